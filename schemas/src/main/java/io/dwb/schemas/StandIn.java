package io.dwb.schemas;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;

/**
 * The listener's stand-in for an engine event longer than Kafka or the forwarder takes: the event's identity fields
 * in the engine's names, the {@code time} it had, {@code "truncated": true} and its {@code originalSize}. It keeps
 * the event id, so resume, dedup and replay treat it as the event it replaces; the forwarder marks its alert
 * truncated.
 */
public final class StandIn {
    /**
     * The longest record value on the events topic: the forwarder dead-letters a longer one, so the listener
     * publishes a longer event as its stand-in, whatever larger {@code max.request.size} its producer may have.
     */
    public static final int MAX_VALUE_BYTES = 1024 * 1024;
    /** The field that says an event is a stand-in (also set on the alert of a trimmed event). */
    public static final String TRUNCATED = "truncated";
    /** The length in bytes of the event a stand-in replaces. */
    public static final String ORIGINAL_SIZE = "originalSize";

    /**
     * The most characters of each identity field a stand-in keeps. Anyone who may run a container chooses them (an
     * {@code exec_create} Action holds the whole command line): the parser's limit counts characters, and 400,000
     * three-byte ones made a stand-in as long as the event, which Kafka refused, again at every retry. Three fields
     * of this many characters, six bytes each at worst (escaped), stay well under the smallest event limit (64 KiB).
     * The event id is the whole event's (the listener's {@code event-id} header).
     */
    public static final int MAX_IDENTITY_CHARS = 2048;

    private StandIn() {}

    /** @param timeText the event's {@code time} as it was written, null or "" when it had none */
    public static byte[] of(EventIdentity identity, String timeText, long originalSize) {
        ObjectNode json = ContractJson.MAPPER.createObjectNode();
        json.put("Type", bounded(identity.type()));
        json.put("Action", bounded(identity.action()));
        json.putObject("Actor").put("ID", bounded(identity.actorId()));
        putTime(json, "time", timeText);
        putTime(json, "timeNano", identity.timeNanoText());
        json.put(TRUNCATED, true);
        json.put(ORIGINAL_SIZE, originalSize);
        return ContractJson.write(json);
    }

    /** {@code text} cut to {@link #MAX_IDENTITY_CHARS} (never between the two chars of a pair); null stays null. */
    public static String bounded(String text) {
        return ContractJson.prefix(text, MAX_IDENTITY_CHARS);
    }

    /** As a number when it is one (the engine's way), else as the text it was: the event id reads the same text. */
    private static void putTime(ObjectNode json, String name, String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        try {
            json.put(name, new BigInteger(text));
        } catch (NumberFormatException e) {
            json.put(name, text);
        }
    }
}
