package io.dwb.forwarder;

/** How a replay ended: what its exit code says to the script that ran it. */
public enum ReplayOutcome {
    /** Stopped (a signal, standard output closed) before the end of its window: run it again for the rest. */
    STOPPED,
    /**
     * Every record of its window Kafka kept delivered, or said why not: invalid ones skipped, alerts the queue
     * refused for their size, records Kafka deleted first. Running it again would deliver nothing more.
     */
    DELIVERED,
    /**
     * Delivered but for records transactions kept open from its start to its end held from it: run it again once
     * they are over (before, it said "window delivered" and exited 0, so a script took the part for the whole).
     */
    HELD
}
