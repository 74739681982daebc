package io.dwb.listener;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;

/**
 * One engine event as the listener holds it between the stream and Kafka: the engine's bytes exactly as sent (the
 * record value), its identity fields, its event id ({@link EventIdentity#id}), computed on the reading thread from
 * the whole fields, and when the read that completed it returned (the listener's monotonic clock), from which the
 * listener's own share of the event's latency is measured. No parsed tree, and the identity's texts cut to {@link
 * #IDENTITY_CHARS}: a queued event holds what {@link #bytes} says, which the listener's bounds count, beside a few
 * hundred bytes of objects.
 */
public record CapturedEvent(byte[] json, EventIdentity identity, String id, long readNanos) {
    /**
     * The most characters of each identity text ({@code timeNano} as written, {@code Type}, {@code Action}, {@code
     * Actor.ID}) an event keeps once its id is computed from them whole: past the splitter only its time is read, and
     * an exec's Action is its whole command line, which whoever may run {@code docker exec} chooses (kept whole, a
     * million three-byte characters held 2 MB beside a stand-in of 6 KB). As many as the scanner keeps; more than any
     * Type or 64-character ID the engine writes.
     */
    public static final int IDENTITY_CHARS = 256;

    public CapturedEvent {
        if (identity != null) { // only EventQueue's wake-up has none
            identity = kept(identity);
        }
    }

    /**
     * The heap the event holds as the queue and the continuity check count it: the JSON's bytes, and the identity's
     * texts at two bytes a character (a String's most; for the engine's ASCII, about what their objects add).
     */
    public long bytes() {
        if (identity == null) {
            return json.length;
        }
        long chars = (long) length(identity.timeNanoText()) + length(identity.type()) + length(identity.action())
                + length(identity.actorId());
        return json.length + 2 * chars;
    }

    /** {@code identity} with each text cut to {@link #IDENTITY_CHARS}; itself when none is longer. */
    private static EventIdentity kept(EventIdentity identity) {
        if (length(identity.timeNanoText()) <= IDENTITY_CHARS && length(identity.type()) <= IDENTITY_CHARS
                && length(identity.action()) <= IDENTITY_CHARS && length(identity.actorId()) <= IDENTITY_CHARS) {
            return identity;
        }
        return new EventIdentity(cut(identity.timeNanoText()), identity.timeNano(), cut(identity.type()),
                cut(identity.action()), cut(identity.actorId()));
    }

    private static String cut(String text) {
        return ContractJson.prefix(text, IDENTITY_CHARS);
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }
}
