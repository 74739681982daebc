package io.dwb.listener;

import java.time.Duration;

/**
 * How many records one transaction may hold: {@link #MAX_RECORDS}, so that one stays small whatever the burst; less
 * after a transaction failed for taking longer than Kafka allowed while the broker was still taking its records (a
 * client quota on a shared cluster, a slow link). Publishing again everything held in one transaction would fail the
 * same way at every retry, capture stuck for good; so the next ones hold half of what the broker acknowledged in
 * time. A full transaction committed within a quarter of the {@linkplain #limit time a transaction may take} doubles
 * the budget again, up to the maximum: one committed in more would fail at twice its size, and a doubling at every
 * commit failed every other transaction. A failure with every record acknowledged, or none, or none lately, is an
 * outage, not a slow broker: the budget stays. Outlives the producers; not thread-safe: the publishing thread owns
 * it.
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
     * A transaction failed for taking too long ({@code failed}: its records, those the broker acknowledged, and how
     * long before the failure it acknowledged the last). It was too large for the broker only if the broker was
     * still taking its records: some, not all, the last in the second half of the wait. Returns whether the budget
     * shrank.
     */
    boolean tooSlow(TransactionalPublisher.Progress failed) {
        boolean takingRecords = failed.acknowledged() > 0 && failed.acknowledged() < failed.sent()
                && failed.sinceLastAcknowledgedNanos() < limitNanos / 2;
        if (!takingRecords) {
            return false;
        }
        int shrunk = Math.max(1, Math.min(records, failed.acknowledged() / 2));
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
