package io.dwb.forwarder;

/**
 * When a replay says how far it got: once a minute from its first round. A replay reads every partition to its end
 * at start whatever {@code --to} says, which at thousands of partitions and a window days old is hours of reading
 * with nothing else in the log. Time is passed in (monotonic nanoseconds). Not thread-safe: the delivery loop's.
 */
final class ReplayProgress {
    static final long INTERVAL_NANOS = 60_000_000_000L;
    private boolean started;
    private long lastNanos;

    /** Whether the progress is to be said at {@code nowNanos}: a minute after the first round, or the last said. */
    boolean due(long nowNanos) {
        if (!started) {
            started = true;
            lastNanos = nowNanos;
            return false;
        }
        if (nowNanos - lastNanos < INTERVAL_NANOS) {
            return false;
        }
        lastNanos = nowNanos;
        return true;
    }
}
