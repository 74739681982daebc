package io.dwb.forwarder;

/** Capped exponential wait between delivery retries: 100 ms, doubling, at most {@code maxMillis}. */
public final class Backoff {
    private static final long FIRST_MILLIS = 100;

    private final long maxMillis;
    private long next = FIRST_MILLIS;

    public Backoff(long maxMillis) {
        this.maxMillis = Math.max(FIRST_MILLIS, maxMillis);
    }

    /** The wait before the next attempt; each call doubles the following one, up to the cap. */
    public long nextMillis() {
        long current = next;
        next = Math.min(maxMillis, next * 2);
        return current;
    }

    public void reset() {
        next = FIRST_MILLIS;
    }
}
