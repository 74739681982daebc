package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps what Wazuh shows of an event within the fields its JSON decoder keeps of an alert: the first 256
 * ({@code analysisd.decoder_order_size}), in document order, the rest dropped ("Too many fields for JSON decoder").
 * The engine writes {@code Actor.Attributes} sorted by name, a container's (or an image's) labels mixed with its own
 * attributes, and {@code scope}, {@code time}, {@code timeNano} after them: 250 labels named before {@code image}
 * (anyone who may create a container chooses them, and an image's LABELs count for every container of it) left the
 * alert without the container's name and image, which every docker rule's description shows. An event with that
 * many attributes is written with the engine's own attributes first and {@code Actor} last; the labels keep their
 * order after those, and those past Wazuh's bound are left out ({@link FieldBudget}). The engine's own are those it
 * sets in the event's Type and Action ({@link EngineAttributes}): a container label {@code driver} or {@code path}
 * stays among the labels. The alert's other fields are the bridge's own few and the event's, well within the room
 * left. An event with a label Wazuh takes for one of the engine's own attributes ({@link #lookalike}) is written in
 * the same order.
 */
final class WazuhFieldOrder {
    /**
     * Attributes, at most, that leave the order as the engine wrote it: with the alert's other fields (the bridge's
     * at most 5, the event's 9, the legacy ones' 3) they stay well under 256.
     */
    static final int ATTRIBUTES_IN_PLACE = 200;

    /**
     * The first letters of every engine attribute of any type ({@link EngineAttributes#EVERY}): a key starting
     * otherwise needs no further look.
     */
    private static final Set<Character> FIRST_LETTERS = EngineAttributes.EVERY.names().stream()
            .map(name -> name.charAt(0)).collect(Collectors.toUnmodifiableSet());
    /** {@link EngineAttributes#EVERY}'s names, looped over per attribute key of a flagged first letter. */
    private static final String[] EVERY_NAMES = EngineAttributes.EVERY.names().toArray(String[]::new);

    private WazuhFieldOrder() {}

    /**
     * Whether an event must be written in another order: it has hundreds of attributes, or a {@link #lookalike}
     * (both rare).
     */
    static boolean needed(int attributes, boolean lookalike) {
        return attributes > ATTRIBUTES_IN_PLACE || lookalike;
    }

    /**
     * Whether Wazuh reads the attribute {@code key} as one of the engine's own without it being one: analysisd's
     * field lookup ({@code FindField}: {@code strcasecmp}, first match) ignores ASCII case, its cJSON ends a key at an
     * escaped NUL, and alerts.json nests a dotted name under the field before it. The engine writes attributes sorted,
     * capitals first, so a label {@code Name} came before the container's {@code name}: rules and descriptions read
     * the label as its name, and alerts.json kept the label in its place. Such an event is written with the engine's
     * own attributes first. Read against every type's attributes ({@link EngineAttributes#EVERY}): the streaming read
     * that asks need not have seen the event's Type yet, and a key flagged where it mimics nothing of its event's
     * (a container label {@code Driver}) only costs that event a tree.
     */
    static boolean lookalike(String key) {
        if (key.isEmpty() || EngineAttributes.EVERY.contains(key)) {
            return false;
        }
        char first = fold(key.charAt(0));
        // Every engine attribute starts with an ASCII letter: a key starting otherwise is not boxed to be looked up.
        if (first > 0x7f || !FIRST_LETTERS.contains(first)) {
            return false;
        }
        int nul = key.indexOf('\0');
        return readAs(key, nul < 0 ? key.length() : nul);
    }

    /** Whether the key's first {@code length} characters name an engine attribute, or one's parent or child. */
    private static boolean readAs(String key, int length) {
        for (String own : EVERY_NAMES) {
            int common = Math.min(length, own.length());
            if (asciiEqualIgnoringCase(key, own, common) && (length == own.length()
                    || (length > own.length() ? key.charAt(common) == '.' : own.charAt(common) == '.'))) {
                return true;
            }
        }
        return false;
    }

    private static boolean asciiEqualIgnoringCase(String a, String b, int length) {
        for (int i = 0; i < length; i++) {
            if (fold(a.charAt(i)) != fold(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char fold(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /**
     * {@code event}'s fields with {@code Actor} last, and in its attributes the engine's own first: those it sets in
     * that Type and Action ({@link EngineAttributes#in}), the labels after them in their order.
     */
    static ObjectNode reordered(ObjectNode event) {
        EngineAttributes.Own own = EngineAttributes.in(event);
        ObjectNode out = ContractJson.MAPPER.createObjectNode();
        for (Map.Entry<String, JsonNode> field : event.properties()) {
            if (!field.getKey().equals("Actor")) {
                out.set(field.getKey(), field.getValue());
            }
        }
        if (event.get("Actor") instanceof ObjectNode actor) {
            ObjectNode actorOut = out.putObject("Actor");
            for (Map.Entry<String, JsonNode> field : actor.properties()) {
                actorOut.set(field.getKey(), field.getKey().equals("Attributes")
                        && field.getValue() instanceof ObjectNode attributes ? ownFirst(attributes, own) : field.getValue());
            }
        } else if (event.has("Actor")) {
            out.set("Actor", event.get("Actor"));
        }
        return out;
    }

    private static ObjectNode ownFirst(ObjectNode attributes, EngineAttributes.Own own) {
        ObjectNode out = ContractJson.MAPPER.createObjectNode();
        for (String name : own.names()) {
            if (attributes.has(name)) {
                out.set(name, attributes.get(name));
            }
        }
        for (Map.Entry<String, JsonNode> field : attributes.properties()) {
            if (!out.has(field.getKey())) {
                out.set(field.getKey(), field.getValue());
            }
        }
        return out;
    }
}
