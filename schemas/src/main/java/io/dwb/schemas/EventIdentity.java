package io.dwb.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * The fields of an engine event that identify it and place it in time: what {@link EventId} hashes and what a
 * checkpoint records. Both stages read them here, from a parsed tree ({@link #of(JsonNode)}) or, in the listener,
 * straight from the stream; the rules for odd values (missing, null, a number written as a decimal) are these.
 *
 * @param timeNanoText {@code timeNano} as text, exactly as the engine wrote the integer; "" when missing
 * @param timeNano {@code timeNano}, or {@code time} in nanoseconds for producers that only send seconds; null if
 *     neither is a number
 */
public record EventIdentity(String timeNanoText, Long timeNano, String type, String action, String actorId) {

    public String id(String hostId) {
        return EventId.of(hostId, timeNanoText, type, action, actorId);
    }

    /** The time a checkpoint of this event records; empty when the event carries no usable time. */
    public Optional<Long> time() {
        return Optional.ofNullable(timeNano);
    }

    public static EventIdentity of(JsonNode event) {
        JsonNode nano = event.get("timeNano");
        return of(text(nano), number(nano), number(event.get("time")), text(event.get("Type")),
                text(event.get("Action")), text(event.path("Actor").get("ID")));
    }

    /**
     * From fields read one by one (the listener's stream): the event's time is {@code timeNano}, else {@code time}
     * in nanoseconds.
     *
     * @param timeNano    {@code timeNano} when it is an integer that fits a long, else null
     * @param timeSeconds {@code time} likewise
     */
    public static EventIdentity of(String timeNanoText, Long timeNano, Long timeSeconds, String type, String action,
                                   String actorId) {
        Long time = timeNano != null ? timeNano : timeSeconds != null ? timeSeconds * 1_000_000_000L : null;
        return new EventIdentity(timeNanoText, time, type, action, actorId);
    }

    /** The identity text of a value: numbers by their exact integer text (a double would round timeNano). */
    public static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return "";
        }
        return node.isNumber() ? node.bigIntegerValue().toString() : node.asText();
    }

    private static Long number(JsonNode node) {
        return node != null && node.isNumber() && node.canConvertToLong() ? node.asLong() : null;
    }
}
