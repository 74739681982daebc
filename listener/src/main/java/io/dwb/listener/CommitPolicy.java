package io.dwb.listener;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When the open transaction commits: as soon as the queue was drained empty (the engine went quiet), so an event is
 * never held for the rest of an interval; while events keep arriving, at the latest every {@code interval}; and at
 * the {@link TransactionBudget}'s records whatever the time, so one transaction stays small in a burst. Not thread-safe: the publishing
 * thread owns it. Times are the caller's monotonic nanoseconds.
 */
final class CommitPolicy {
    private final long intervalNanos;
    private final TransactionBudget budget;
    private long nextCommit;

    CommitPolicy(Duration interval, TransactionBudget budget, long nowNanos) {
        this.intervalNanos = interval.toNanos();
        this.budget = budget;
        this.nextCommit = nowNanos + intervalNanos;
    }

    /** How long a drain may wait for a first event: until the interval ends (at least 1 ms). */
    long waitMillis(long nowNanos) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextCommit - nowNanos));
    }

    /** Records that may still join the open transaction holding {@code sent}. */
    int room(int sent) {
        return budget.records() - sent;
    }

    /** Whether to commit a transaction holding {@code sent} records now. */
    boolean due(long nowNanos, int sent, boolean drainedAll) {
        return sent > 0 && (nowNanos - nextCommit >= 0 || drainedAll || sent >= budget.records());
    }

    /** After a round: a commit, or an interval that ended with nothing to commit, starts the next interval. */
    void roundEnded(long nowNanos, boolean committed) {
        if (committed || nowNanos - nextCommit >= 0) {
            nextCommit = nowNanos + intervalNanos;
        }
    }
}
