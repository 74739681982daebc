package io.dwb.listener;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Who the engine is on the topic: {@code host} header (engine {@code Name}) and {@code host-id} (engine {@code ID},
 * the record key, part of the transactional id).
 */
public record HostIdentity(String name, String id) {

    /**
     * For {@code --host-name}: the id is derived from the name (32 hex chars of SHA-256), so the same name always
     * resumes from the same checkpoint and is fenced by the same transactional id.
     */
    public static HostIdentity fromHostName(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(("dwb-host|" + name)
                    .getBytes(StandardCharsets.UTF_8));
            return new HostIdentity(name, HexFormat.of().formatHex(digest, 0, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    public String transactionalId() {
        return "docker-listener-" + id;
    }
}
