package io.dwb.listener;

/**
 * How many records one transaction may hold: {@link #MAX_RECORDS}, so that one stays small whatever the burst; less
 * after a transaction failed for taking longer than Kafka allowed while the broker was taking its records (a client
 * quota on a shared cluster, a slow link). Publishing again everything held in one transaction would fail the same
 * way at every retry, capture stuck for good; so the next ones hold half of what the broker acknowledged in time, and
 * each full one committed doubles the budget again, up to the maximum. A failure with nothing acknowledged is an
 * outage, not a slow broker: the budget stays. Outlives the producers; not thread-safe: the publishing thread owns it.
 */
final class TransactionBudget {
    /** Records per transaction at most (about 3 MB of typical events). */
    static final int MAX_RECORDS = 5_000;

    private int records = MAX_RECORDS;

    /** Records one transaction may hold now. */
    int records() {
        return records;
    }

    boolean reduced() {
        return records < MAX_RECORDS;
    }

    /**
     * A transaction failed for taking too long ({@code failed}: its records, those the broker acknowledged
     * meanwhile; when the broker aborted it after {@code transaction.timeout.ms}, it answers, even if it
     * acknowledged nothing). Returns whether the budget shrank.
     */
    boolean tooSlow(TransactionalPublisher.Progress failed) {
        int taken = failed.acknowledged() > 0 ? failed.acknowledged() : failed.abortedByBroker() ? failed.sent() : 0;
        if (taken == 0) {
            return false;
        }
        int shrunk = Math.max(1, Math.min(records, taken / 2));
        boolean shrank = shrunk < records;
        records = shrunk;
        return shrank;
    }

    /** A transaction of {@code sent} records committed: a full one doubles a reduced budget. */
    void committed(int sent) {
        if (sent >= records && records < MAX_RECORDS) {
            records = (int) Math.min(MAX_RECORDS, 2L * records);
        }
    }
}
