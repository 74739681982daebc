package io.dwb.listener;

import java.util.concurrent.TimeUnit;

/**
 * When the open transaction commits: as soon as the queue was drained empty (the engine went quiet), so an event is
 * never held for the rest of an interval; while events keep arriving, at the latest every {@code interval}; and at
 * the {@link TransactionBudget}'s records whatever the time, so one transaction stays small in a burst. With a linger,
 * a transaction that holds events commits no sooner than that after it opened (unless full, or the listener stops):
 * events that come one at a time made a transaction each, and a fleet's transactions load Kafka's transaction
 * coordinators. A transaction of a heartbeat alone is not held: the forwarders judge a host's silence by them. None
 * stays open longer than the longer of interval and linger. Not thread-safe: the publishing thread owns it. Times are
 * the caller's monotonic nanoseconds.
 */
final class CommitPolicy {
    private final long intervalNanos;
    private final long lingerNanos;
    private final long longestOpenNanos;
    private final TransactionBudget budget;
    private long nextCommit;

    CommitPolicy(CommitTiming timing, TransactionBudget budget, long nowNanos) {
        this.intervalNanos = timing.interval().toNanos();
        this.lingerNanos = timing.linger().toNanos();
        this.longestOpenNanos = timing.longestOpen().toNanos();
        this.budget = budget;
        this.nextCommit = nowNanos + intervalNanos;
    }

    /**
     * How long a drain may wait for a first event while a transaction opened at {@code openedNanos} is open ({@code
     * holdsEvents}: some of its records are events): until the interval ends, or its linger if that is later, at most
     * its longest open time (at least 1 ms).
     */
    long waitMillis(long nowNanos, long openedNanos, boolean holdsEvents) {
        long lingerEnd = lingerEnd(openedNanos, holdsEvents);
        long until = Math.min(nowNanos - lingerEnd < 0 ? lingerEnd : nextCommit, openedNanos + longestOpenNanos);
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - nowNanos));
    }

    /** Records that may still join the open transaction holding {@code sent}. */
    int room(int sent) {
        return budget.records() - sent;
    }

    /**
     * Whether to commit a transaction holding {@code sent} records, opened at {@code openedNanos}, now; {@code
     * holdsEvents}: some of them are events; {@code finishing}: the subscription ended or a stop was asked, and
     * everything read was drained.
     */
    boolean due(long nowNanos, int sent, long openedNanos, boolean holdsEvents, boolean drainedAll,
                boolean finishing) {
        if (sent <= 0) {
            return false;
        }
        if (finishing || sent >= budget.records() || nowNanos - openedNanos >= longestOpenNanos) {
            return true;
        }
        return nowNanos - lingerEnd(openedNanos, holdsEvents) >= 0 && (nowNanos - nextCommit >= 0 || drainedAll);
    }

    private long lingerEnd(long openedNanos, boolean holdsEvents) {
        return holdsEvents ? openedNanos + lingerNanos : openedNanos;
    }

    /** After a round: a commit, or an interval that ended with nothing to commit, starts the next interval. */
    void roundEnded(long nowNanos, boolean committed) {
        if (committed || nowNanos - nextCommit >= 0) {
            nextCommit = nowNanos + intervalNanos;
        }
    }
}
