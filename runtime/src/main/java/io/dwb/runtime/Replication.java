package io.dwb.runtime;

/**
 * Replicas of the topics a process creates and how many must hold a record before it counts as written. Null
 * means the default for the cluster: a replication factor of min(3, brokers) and min.insync.replicas of
 * min(2, replication factor), so one broker can fail without losing an acknowledged record or refusing writes. The
 * brokers are all those of the cluster, those down or restarting included ({@link Brokers}): counted from those up
 * alone, a topic created during a rolling restart of three brokers had 2 replicas and min.insync.replicas 2, and
 * refused writes at every later restart of one of them.
 */
public record Replication(Integer factor, Integer minInsyncReplicas) {
    static final int DEFAULT_MAX_FACTOR = 3;
    static final int DEFAULT_MAX_MIN_INSYNC = 2;

    public Replication {
        if (factor != null && (factor < 1 || factor > Short.MAX_VALUE)) {
            throw new ConfigurationError("--replication-factor must be at least 1, not " + factor);
        }
        if (minInsyncReplicas != null && minInsyncReplicas < 1) {
            throw new ConfigurationError("--min-insync-replicas must be at least 1, not " + minInsyncReplicas);
        }
        if (factor != null && minInsyncReplicas != null && minInsyncReplicas > factor) {
            throw new ConfigurationError("--min-insync-replicas " + minInsyncReplicas + " is more than "
                    + "--replication-factor " + factor + ": Kafka would ask all " + factor + " in sync for each "
                    + "write (before 3.7, refuse every write); give at most " + factor);
        }
    }

    /** One replica, none more required: the embedded single broker. */
    public static Replication single() {
        return new Replication(1, 1);
    }

    /** @param brokers the cluster's brokers, up or down ({@link Brokers#count}) */
    public short factorFor(int brokers) {
        return (short) (factor != null ? factor : Math.max(1, Math.min(DEFAULT_MAX_FACTOR, brokers)));
    }

    public int minInsyncFor(short replicationFactor) {
        return minInsyncReplicas != null ? minInsyncReplicas
                : Math.min(DEFAULT_MAX_MIN_INSYNC, replicationFactor);
    }
}
