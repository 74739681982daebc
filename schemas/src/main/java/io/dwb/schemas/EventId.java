package io.dwb.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The identity of an engine event. The engine has no event id and no sequence number, so identity is derived from
 * what makes an event unique on one engine: {@code SHA-256(host-id|timeNano|Type|Action|Actor.ID)}, first 16 bytes
 * as 32 lower-case hex characters. Missing fields count as empty strings ({@link EventIdentity} reads them).
 * {@link EventIds} computes them (one instance per thread reuses its buffers; here, one for each id).
 */
public final class EventId {
    private static final HexFormat HEX = HexFormat.of();
    /**
     * Never updated: each {@link EventIds} hashes with a clone of it, which skips the provider lookup and reflective
     * construction of {@code MessageDigest.getInstance}.
     */
    private static final MessageDigest SHA256_PROTOTYPE = sha256();

    private EventId() {}

    public static String of(String hostId, String timeNano, String type, String action, String actorId) {
        return new EventIds().of(hostId, timeNano, type, action, actorId);
    }

    /** The id's text: the first 16 bytes of the hash, in lower-case hex. */
    static String hex(byte[] sha256) {
        return HEX.formatHex(sha256, 0, 16);
    }

    /** The id of an engine event as the engine sent it (its {@code timeNano} taken as the engine wrote it). */
    public static String of(String hostId, JsonNode event) {
        return EventIdentity.of(event).id(hostId);
    }

    /** A SHA-256 digest of its own. */
    static MessageDigest fresh() {
        try {
            return (MessageDigest) SHA256_PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
