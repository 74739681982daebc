package io.dwb.listener;

import java.util.concurrent.TimeUnit;

/**
 * When the open transaction commits: as soon as the queue was drained empty (the engine went quiet), so an event is
 * never held for the rest of an interval; while events keep arriving, at the latest every {@code interval}; and at
 * the {@link TransactionBudget}'s records whatever the time, so one transaction stays small in a burst. With a linger,
 * not before it has been open that long (unless full, or the listener stops): events that come one at a time made a
 * transaction each, and a fleet's transactions load Kafka's transaction coordinators. Not thread-safe: the publishing
 * thread owns it. Times are the caller's monotonic nanoseconds.
 */
final class CommitPolicy {
    /** The longest {@code --transaction-linger}: a transaction open longer holds its events' alerts that long. */
    static final int MAX_LINGER_SECONDS = 10;

    private final long intervalNanos;
    private final long lingerNanos;
    private final TransactionBudget budget;
    private long nextCommit;

    CommitPolicy(CommitTiming timing, TransactionBudget budget, long nowNanos) {
        this.intervalNanos = timing.interval().toNanos();
        this.lingerNanos = timing.linger().toNanos();
        this.budget = budget;
        this.nextCommit = nowNanos + intervalNanos;
    }

    /**
     * How long a drain may wait for a first event while a transaction opened at {@code openedNanos} is open: until
     * the interval ends, or its linger if that is later (at least 1 ms).
     */
    long waitMillis(long nowNanos, long openedNanos) {
        long until = Math.max(nextCommit, openedNanos + lingerNanos);
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - nowNanos));
    }

    /** Records that may still join the open transaction holding {@code sent}. */
    int room(int sent) {
        return budget.records() - sent;
    }

    /**
     * Whether to commit a transaction holding {@code sent} records, opened at {@code openedNanos}, now; {@code
     * finishing}: the subscription ended or a stop was asked, and everything read was drained.
     */
    boolean due(long nowNanos, int sent, long openedNanos, boolean drainedAll, boolean finishing) {
        if (sent <= 0) {
            return false;
        }
        if (finishing || sent >= budget.records()) {
            return true;
        }
        return nowNanos - openedNanos >= lingerNanos && (nowNanos - nextCommit >= 0 || drainedAll);
    }

    /** After a round: a commit, or an interval that ended with nothing to commit, starts the next interval. */
    void roundEnded(long nowNanos, boolean committed) {
        if (committed || nowNanos - nextCommit >= 0) {
            nextCommit = nowNanos + intervalNanos;
        }
    }
}
