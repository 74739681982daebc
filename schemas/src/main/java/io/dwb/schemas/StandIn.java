package io.dwb.schemas;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;

/**
 * The listener's stand-in for an engine event longer than Kafka or the forwarder takes: the event's identity fields
 * in the engine's names, the {@code time} it had, the container's (or image's, network's) name and image from {@code
 * Actor.Attributes}, {@code "truncated": true} and its {@code originalSize}. It keeps the event id, so resume, dedup
 * and replay treat it as the event it replaces; the forwarder marks its alert truncated.
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

    /**
     * The most characters of {@code Actor.Attributes.name} and {@code .image} a stand-in keeps (the listener keeps
     * at most this many bytes of each as the engine wrote it, which is no more characters). Without them the alert
     * of an event made huge by one label hid which container and image it was: no container name, no legacy {@code
     * from}, no image rule. The engine sets both itself, after the labels; an image reference has a few hundred
     * characters at most (a repository of up to 255, a tag of up to 128, a sha256 digest of 71), so this cuts none,
     * and a longer container name is cut to its start, as the identity fields are. Two of them, six bytes a
     * character at worst (escaped), and the three identity fields still stay under the smallest event limit (64 KiB).
     */
    public static final int MAX_NAME_CHARS = 1024;

    private StandIn() {}

    /**
     * {@code Actor.Attributes.name} and {@code .image} of the event a stand-in replaces, each null when the event
     * had none (or none that could be read).
     */
    public record Names(String name, String image) {}

    /**
     * @param timeText the event's {@code time} as it was written, null or "" when it had none
     * @param names    its name and image, cut here to {@link #MAX_NAME_CHARS}
     */
    public static byte[] of(EventIdentity identity, String timeText, Names names, long originalSize) {
        ObjectNode json = ContractJson.MAPPER.createObjectNode();
        json.put("Type", bounded(identity.type()));
        json.put("Action", bounded(identity.action()));
        ObjectNode actor = json.putObject("Actor").put("ID", bounded(identity.actorId()));
        if (names.name() != null || names.image() != null) {
            // In the engine's order (it sorts attributes by name), image first.
            ObjectNode attributes = actor.putObject("Attributes");
            putName(attributes, "image", names.image());
            putName(attributes, "name", names.name());
        }
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

    private static void putName(ObjectNode attributes, String field, String text) {
        if (text != null) {
            attributes.put(field, ContractJson.prefix(text, MAX_NAME_CHARS));
        }
    }

    /**
     * As a number when it is one the contract reads (the engine's way), else as the text it was, cut as the identity
     * fields are (the forwarder then dead-letters the stand-in for a time that is no number, as it would the event):
     * two times of 600,000 letters made a stand-in longer than Kafka takes, refused again at every retry, the
     * host's capture stalled for good. The event id is the whole fields' (the listener's {@code event-id} header).
     */
    private static void putTime(ObjectNode json, String name, String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        boolean signed = text.charAt(0) == '-' || text.charAt(0) == '+';
        if (text.length() - (signed ? 1 : 0) <= ContractJson.MAX_NUMBER_DIGITS) {
            try {
                json.put(name, new BigInteger(text));
                return;
            } catch (NumberFormatException e) {
                // not a number: its text
            }
        }
        json.put(name, bounded(text));
    }
}
