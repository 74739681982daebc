package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * The fields of one alert Wazuh's JSON decoder takes ({@code --max-fields}): analysisd's {@code
 * decoder_order_size}, 256 unless {@code local_internal_options.conf} sets it (32 to 1024). Past it analysisd drops
 * each further field and logs {@code Too many fields for JSON decoder.} at ERROR for each one ({@code fillData} in
 * {@code json_decoder.c}): an image with 8,000 small labels made about 7,750 ERROR lines (600 KB of ossec.log) for
 * every event of its containers, an exec health check's too, and the fields past the bound never reached alerts.json.
 * An alert with more fields keeps its other fields and the engine's own attributes (those it sets in the event's
 * Type and Action, {@link EngineAttributes}), and of the labels those that come first (in {@link WazuhFieldOrder}'s
 * order, what Wazuh would have kept); the rest are left out and the alert is marked {@code truncated}. An event over
 * the budget without any label has no alert ({@link Fit#OVER}): no engine writes one (its own fields are about 20
 * at most), and a writer of the topic who forged one with thousands of small fields besides its labels had each of
 * its alerts make an ERROR line on the manager for each field past the budget.
 *
 * <p>A field, as the decoder counts them: every value that is not an object, an array as one (what is inside an array
 * is never a field of its own). A {@code null} counts too, as some decoders keep it; so an empty array, which the
 * decoder passes over: a bound, never less than what it counts.
 *
 * @param max the fields of an alert at most
 */
public record FieldBudget(int max) {
    /** Wazuh's default {@code analysisd.decoder_order_size}. */
    static final int WAZUH_DEFAULT = 256;
    /** The least and the most {@code analysisd.decoder_order_size} Wazuh takes ({@code internal_options.conf}). */
    static final int WAZUH_MIN = 32;
    static final int WAZUH_MAX = 1024;

    public static final FieldBudget DEFAULT = new FieldBudget(WAZUH_DEFAULT);

    /** Whether an alert of {@code fields} fields is over the budget. */
    boolean exceededBy(long fields) {
        return fields > max;
    }

    /** What {@link #fit} made of an event. */
    enum Fit {
        /** within the budget as it is */
        WHOLE,
        /** within it once the labels past it were left out */
        LABELS_LEFT_OUT,
        /** over it even without any label: left unchanged */
        OVER
    }

    /**
     * Leaves out of {@code event}'s {@code Actor.Attributes} the labels (attributes the engine does not set itself in
     * the event's Type and Action, {@link EngineAttributes#in}) past the budget, in their order.
     *
     * @param around    the alert's fields outside the event as it would be sent unchanged
     * @param aroundCut the same once marked {@code truncated}
     */
    Fit fit(ObjectNode event, int around, int aroundCut) {
        int fields = fields(event);
        if (!exceededBy((long) around + fields)) {
            return Fit.WHOLE;
        }
        EngineAttributes.Own own = EngineAttributes.in(event);
        long room = (long) max - aroundCut - (fields - labels(event, own));
        if (room < 0 || !(event.path("Actor").get("Attributes") instanceof ObjectNode attributes)) {
            return Fit.OVER; // no attributes: the event alone is over, as room < 0 says then
        }
        // Removed through the iterator, as they come: Jackson's remove(Collection) of a list of the keys is the key
        // set's removeAll, a list's contains for each key when every attribute goes (no engine attribute among
        // them), which took 9 s of the delivery thread for an event of 108,000 labels.
        boolean cut = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> attribute = it.next();
            if (!own.contains(attribute.getKey())) {
                int size = fields(attribute.getValue());
                // Those after the first that does not fit go too, as Wazuh drops every field past its bound.
                if (cut || size > room) {
                    it.remove();
                    cut = true;
                } else {
                    room -= size;
                }
            }
        }
        return cut ? Fit.LABELS_LEFT_OUT : Fit.WHOLE;
    }

    /** The fields the decoder makes of {@code event} without its labels (see {@link #fit}). */
    static long unlabelled(ObjectNode event) {
        return fields(event) - labels(event, EngineAttributes.in(event));
    }

    /** The fields the decoder makes of {@code event}'s labels: its attributes but the engine's own ({@code own}). */
    private static long labels(ObjectNode event, EngineAttributes.Own own) {
        long labels = 0;
        if (event.path("Actor").get("Attributes") instanceof ObjectNode attributes) {
            for (Map.Entry<String, JsonNode> attribute : attributes.properties()) {
                if (!own.contains(attribute.getKey())) {
                    labels += fields(attribute.getValue());
                }
            }
        }
        return labels;
    }

    /** The fields the decoder makes of {@code value} (see the class comment). */
    static int fields(JsonNode value) {
        if (!value.isObject()) {
            return 1;
        }
        int fields = 0;
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            fields += fields(field.getValue());
        }
        return fields;
    }
}
