package io.dwb.listener;

import java.time.Duration;

/**
 * How many records one transaction may hold: {@link #MAX_RECORDS}, so that one stays small whatever the burst; less
 * after a transaction failed for taking longer than Kafka allowed while the broker answered (it acknowledged some of
 * its records: a client quota on a shared cluster, whose throttling also holds back the transaction's end, or a slow
 * link). Publishing again everything held in one transaction would fail the same way at every retry, capture stuck
 * for good; so the next ones hold half of what the broker acknowledged in time (half of all when it acknowledged
 * all). A full transaction committed within a quarter of the time a transaction may take doubles the budget again,
 * up to the maximum: one committed in more would fail at twice its size, and a doubling at every commit failed every
 * other transaction. A failure with nothing acknowledged is an outage: the budget stays (one after some records were
 * acknowledged shrinks it too, which the next quick commits undo). Outlives the producers; not thread-safe: the
 * publishing thread owns it.
 */
final class TransactionBudget {
    /** Records per transaction at most (about 3 MB of typical events). */
    static final int MAX_RECORDS = 5_000;

    private final long limitNanos;
    private int records = MAX_RECORDS;

    /**
     * @param limit how long a transaction may take: the shorter of the producer's {@code max.block.ms} (a commit's
     *              wait) and {@code transaction.timeout.ms} (the broker aborts it)
     */
    TransactionBudget(Duration limit) {
        this.limitNanos = limit.toNanos();
    }

    /** Records one transaction may hold now. */
    int records() {
        return records;
    }

    /**
     * A transaction failed for taking too long ({@code failed}: its records and those the broker acknowledged).
     * Returns whether the budget shrank.
     */
    boolean tooSlow(TransactionalPublisher.Progress failed) {
        if (failed.acknowledged() == 0) {
            return false;
        }
        int shrunk = Math.max(1, Math.min(records, Math.min(failed.acknowledged(), failed.sent()) / 2));
        boolean shrank = shrunk < records;
        records = shrunk;
        return shrank;
    }

    /** A transaction of {@code sent} records committed {@code tookNanos} after its first record was sent. */
    void committed(int sent, long tookNanos) {
        if (sent >= records && records < MAX_RECORDS && tookNanos <= limitNanos / 4) {
            records = (int) Math.min(MAX_RECORDS, 2L * records);
        }
    }
}
