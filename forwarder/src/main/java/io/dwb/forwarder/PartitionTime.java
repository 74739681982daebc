package io.dwb.forwarder;

/**
 * How far one partition of the events topic has got, in its records' times: what the silent-host watch measures a
 * host's silence against. It moves with the times its records reach ({@link #reach}) and, while the partition is
 * live (everything of it delivered, Wazuh taking datagrams), with this process's monotonic clock as well, so that
 * the last host of a quiet partition is reported too. Only differences of that clock are added to a record time.
 * Not thread-safe.
 */
final class PartitionTime {
    /** Whether a record gave it a time yet (a partition assigned and not read from yet has none). */
    private boolean known;
    private long recordNanos;
    private boolean live;
    /** Whether the monotonic clock counts from {@link #anchorRecordNanos} since {@link #anchorLocalNanos}. */
    private boolean anchored;
    private long anchorRecordNanos;
    private long anchorLocalNanos;

    boolean known() {
        return known;
    }

    /** Its time at {@code nowNanos} (the monotonic clock); meaningless until {@link #known}. */
    long at(long nowNanos) {
        return anchored ? Math.max(recordNanos, anchorRecordNanos + (nowNanos - anchorLocalNanos)) : recordNanos;
    }

    /** A record read at {@code nowNanos} says the partition got to {@code timeNanos} at least. */
    void reach(long timeNanos, long nowNanos) {
        recordNanos = known ? Math.max(recordNanos, timeNanos) : timeNanos;
        known = true;
    }

    /**
     * Whether everything of the partition is delivered and Wazuh takes datagrams: only then does time without records
     * mean its hosts said nothing.
     */
    void live(boolean isLive, long nowNanos) {
        if (isLive && !live) {
            anchor(nowNanos);
        } else if (!isLive && live) {
            recordNanos = at(nowNanos); // time that passed while live stays passed
            anchored = false;
        }
        live = isLive;
    }

    private void anchor(long nowNanos) {
        anchorRecordNanos = recordNanos;
        anchorLocalNanos = nowNanos;
        anchored = true;
    }
}
