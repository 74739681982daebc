package io.dwb.listener;

import java.time.Duration;

/**
 * Tells a coordinator's one-off refusal of a young transaction's epoch (its own abort: a transaction timed out by a
 * clock ahead of the one that began it; an invalid state, which brokers before KAFKA-20785 answer for their own abort
 * too) from another listener of the same engine, which Kafka answers alike ({@link
 * TransactionalPublisher.EpochRefused}). A new producer
 * of this listener takes the transactional id back from the other one, which is then refused in turn and takes it
 * back again: a second refusal within the window is that, and this listener leaves it to the other. The window
 * covers both listeners committing once more (a commit every heartbeat interval at least). Not thread-safe: the
 * publishing thread owns it; times are its monotonic nanoseconds.
 */
final class EpochRefusals {
    /** At least this long, and four heartbeat intervals: each listener's next commit and restart fit in it. */
    static final Duration MIN_WINDOW = Duration.ofMinutes(5);

    private final long windowNanos;
    private boolean refused;
    private long lastNanos;

    EpochRefusals(Duration heartbeatInterval) {
        this.windowNanos = Math.max(MIN_WINDOW.toNanos(), heartbeatInterval.multipliedBy(4).toNanos());
    }

    /** A refusal now: true when the last one was within the window (another listener), false for a first one. */
    boolean again(long nowNanos) {
        boolean again = refused && nowNanos - lastNanos <= windowNanos;
        refused = true;
        lastNanos = nowNanos;
        return again;
    }
}
