package io.dwb.schemas;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Computes {@link EventId}s, one after another on one thread without garbage: one digest reused, the material
 * ({@code host-id|timeNano|Type|Action|Actor.ID}) fed part by part (ASCII through a reused buffer) instead of joined
 * into a String and encoded, the hash written into a reused array. The listener's reading thread keeps one (it
 * computes an id per event: the join, its bytes and the digest's clone were a quarter of that thread's allocation);
 * {@link EventId#of} uses a new one each time. Not thread-safe.
 */
public final class EventIds {
    private static final byte SEPARATOR = '|';
    private static final int DIGEST_BYTES = 32;

    private final MessageDigest sha256 = EventId.fresh();
    private final byte[] hash = new byte[DIGEST_BYTES];
    private final byte[] ascii = new byte[256];

    /** The id of these fields (null counts as empty). */
    public String of(String hostId, String timeNano, String type, String action, String actorId) {
        update(hostId);
        sha256.update(SEPARATOR);
        update(timeNano);
        sha256.update(SEPARATOR);
        update(type);
        sha256.update(SEPARATOR);
        update(action);
        sha256.update(SEPARATOR);
        update(actorId);
        try {
            sha256.digest(hash, 0, DIGEST_BYTES); // and resets it for the next
        } catch (DigestException e) {
            throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
        }
        return EventId.hex(hash);
    }

    /** The id of the event these identity fields come from, on the engine {@code hostId}. */
    public String of(String hostId, EventIdentity identity) {
        return of(hostId, identity.timeNanoText(), identity.type(), identity.action(), identity.actorId());
    }

    /** The string's UTF-8 bytes, as {@code getBytes} gives them: ASCII copied here, anything else encoded. */
    private void update(String text) {
        if (text == null) {
            return;
        }
        int length = text.length();
        if (length <= ascii.length) {
            for (int i = 0; i < length; i++) {
                char c = text.charAt(i);
                if (c >= 0x80) {
                    sha256.update(text.getBytes(StandardCharsets.UTF_8));
                    return;
                }
                ascii[i] = (byte) c;
            }
            sha256.update(ascii, 0, length);
            return;
        }
        sha256.update(text.getBytes(StandardCharsets.UTF_8));
    }
}
