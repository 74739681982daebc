package io.dwb.schemas;

/** Default names of the three topics of the contract. Every process lets the user rename them. */
public final class Topics {
    /** One record per engine event, plus the listener's own gap, heartbeat and state records. */
    public static final String EVENTS = "docker-events";
    /** Compacted; key host id, value a {@link Checkpoint}; written in the same transaction as the events. */
    public static final String CHECKPOINTS = "docker-events-checkpoints";
    /** Records the forwarder could not turn into an alert, unchanged, with the {@link HeaderNames#ERROR} headers. */
    public static final String DLQ = "docker-events-dlq";

    private Topics() {}
}
