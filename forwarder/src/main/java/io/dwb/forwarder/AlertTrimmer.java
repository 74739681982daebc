package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps every datagram within what Wazuh reads in one {@code recv} (65535 bytes, prefix included): a longer one is
 * cut by the reader and its JSON breaks. Trims the largest {@code Actor.Attributes} values (labels are what grows)
 * and marks the alert {@code "truncated":true}; an event that still does not fit cannot be delivered. The listener's
 * stand-in for an event over Kafka's limit (its own {@code "truncated": true}) is marked the same way.
 */
public final class AlertTrimmer {
    public static final int MAX_DATAGRAM = 65535;

    private final AlertFormatter formatter;
    private final int limit;

    public AlertTrimmer(AlertFormatter formatter) {
        this(formatter, MAX_DATAGRAM);
    }

    AlertTrimmer(AlertFormatter formatter, int limit) {
        this.formatter = formatter;
        this.limit = limit;
    }

    /** A datagram that fits, and whether attributes were trimmed for it. */
    public record Fitted(byte[] datagram, boolean truncated) {}

    /** The datagram for {@code event}, trimmed if needed; empty when no trimming of attributes makes it fit. */
    public Optional<Fitted> datagram(Classified.Event event, Map<String, String> legacy, boolean replay) {
        // The listener's stand-in for an event longer than Kafka takes lost its attributes already: say so too.
        boolean standIn = event.fields().truncated();
        byte[] datagram = formatter.event(event.value(), legacy, event.host(), replay, standIn);
        if (datagram.length <= limit) {
            return Optional.of(new Fitted(datagram, standIn));
        }
        ObjectNode copy = event.json(); // a new tree of its own: trimming changes it
        JsonNode attributes = copy.path("Actor").path("Attributes");
        while (true) {
            datagram = formatter.event(ContractJson.write(copy), legacy, event.host(), replay, true);
            int excess = datagram.length - limit;
            if (excess <= 0) {
                return Optional.of(new Fitted(datagram, true));
            }
            if (!(attributes instanceof ObjectNode attrs) || !trimLargest(attrs, excess)) {
                return Optional.empty();
            }
        }
    }

    /**
     * Shortens the longest attribute value by about {@code excess} bytes (in proportion to its characters' UTF-8
     * width, so multi-byte text is not cut twice as much as needed); the caller loops until the alert fits.
     */
    private static boolean trimLargest(ObjectNode attributes, int excess) {
        String largestName = null;
        int largestLength = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getValue().isTextual() && field.getValue().asText().length() > largestLength) {
                largestName = field.getKey();
                largestLength = field.getValue().asText().length();
            }
        }
        if (largestName == null) {
            return false;
        }
        String value = attributes.get(largestName).asText();
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        long cut = Math.max(1, ((long) excess * value.length() + bytes - 1) / Math.max(1, bytes) + 8);
        int keep = (int) Math.max(0, value.length() - cut);
        if (keep > 0 && Character.isHighSurrogate(value.charAt(keep - 1))) {
            keep--; // never split a character in two
        }
        attributes.put(largestName, value.substring(0, keep));
        return true;
    }
}
