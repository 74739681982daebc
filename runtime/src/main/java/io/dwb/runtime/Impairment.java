package io.dwb.runtime;

import java.time.Duration;

/**
 * Since when a condition that keeps a process from doing its job (Kafka unreachable, Wazuh refusing) has held.
 * It makes /healthz fail only once it lasted longer than a bound, so a broker restart or a Wazuh restart does not
 * flap the probe. One thread observes; any thread may ask.
 */
public final class Impairment {
    private static final long NONE = Long.MIN_VALUE;

    private final long boundNanos;
    private volatile long sinceNanos = NONE;

    public Impairment(Duration bound) {
        this.boundNanos = bound.toNanos();
    }

    /**
     * Records whether the condition holds at {@code nowNanos}.
     *
     * @return true when this observation starts or ends it (a state change worth one log line)
     */
    public boolean observe(boolean holds, long nowNanos) {
        boolean held = sinceNanos != NONE;
        if (holds && !held) {
            sinceNanos = nowNanos;
        } else if (!holds && held) {
            sinceNanos = NONE;
        }
        return holds != held;
    }

    /** True when the condition has held for longer than the bound at {@code nowNanos}. */
    public boolean exceeded(long nowNanos) {
        long since = sinceNanos;
        return since != NONE && nowNanos - since > boundNanos;
    }
}
