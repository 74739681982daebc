package io.dwb.listener;

/** How a starting listener makes sure no other listener of the same engine is running against the same Kafka. */
public enum SecondListenerCheck {
    /**
     * A shared Kafka: the {@link GroupLock} consumer group (a listener that finds a member waits for a crashed one's
     * session to expire, about 10 s, before it starts).
     */
    CONSUMER_GROUP,
    /**
     * A Kafka broker private to this process (the standalone's, whose data directory is locked): no other listener
     * can reach it, so a restart after a crash does not wait for the dead one's membership to expire.
     */
    NONE
}
