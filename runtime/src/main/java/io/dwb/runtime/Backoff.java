package io.dwb.runtime;

import java.time.Duration;

/**
 * Capped exponential backoff between retries: {@code initial}, doubling, never above {@code max}; initial = max
 * gives a fixed wait (Wazuh's {@code interval}). Not thread-safe: one per retrying loop.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private Duration next;

    public Backoff(Duration initial, Duration max) {
        this.initial = initial.compareTo(max) > 0 ? max : initial;
        this.max = max;
        this.next = this.initial;
    }

    /** The wait before the next attempt; each call doubles the following one up to max. */
    public Duration next() {
        Duration current = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return current;
    }

    /** After a success: the next failure waits the initial time again. */
    public void reset() {
        next = initial;
    }
}
