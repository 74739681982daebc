package io.dwb.listener;

import io.dwb.schemas.EventIdentity;

/**
 * One engine event as the listener holds it between the stream and Kafka: the engine's bytes exactly as sent (the
 * record value) and the few fields its identity and checkpoint need. No parsed tree: a queued event costs its size.
 */
public record CapturedEvent(byte[] json, EventIdentity identity) {

    public String id(String hostId) {
        return identity.id(hostId);
    }
}
