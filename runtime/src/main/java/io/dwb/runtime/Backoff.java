package io.dwb.runtime;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff between retries: {@code initial}, doubling, never above {@code max}; initial = max
 * gives a fixed wait (Wazuh's {@code interval}). {@link #spread} makes each wait up to a quarter longer at random.
 * Not thread-safe: one per retrying loop.
 */
public final class Backoff {
    /** How much longer at most a {@link #spread} wait is, as a fraction of it. */
    public static final double SPREAD = 0.25;

    private final Duration initial;
    private final Duration max;
    /** Uniform in [0, 1): how far into its spread each wait goes; null for none. */
    private final DoubleSupplier uniform;
    private Duration next;

    public Backoff(Duration initial, Duration max) {
        this(initial, max, null);
    }

    private Backoff(Duration initial, Duration max, DoubleSupplier uniform) {
        this.initial = initial.compareTo(max) > 0 ? max : initial;
        this.max = max;
        this.uniform = uniform;
        this.next = this.initial;
    }

    /**
     * This backoff with each wait up to {@link #SPREAD} longer, by {@code uniform} (values in [0, 1)): processes that
     * failed together (a fleet's listeners when its Kafka cluster was away) then come back spread out, not as one
     * herd at each doubling. Only longer, never shorter, so that no wait is below what it promises.
     */
    public Backoff spread(DoubleSupplier uniform) {
        return new Backoff(initial, max, uniform);
    }

    /** The wait before the next attempt; each call doubles the following one up to max. */
    public Duration next() {
        Duration current = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return uniform == null ? current
                : current.plusNanos((long) (current.toNanos() * SPREAD * uniform.getAsDouble()));
    }

    /** After a success: the next failure waits the initial time again. */
    public void reset() {
        next = initial;
    }
}
