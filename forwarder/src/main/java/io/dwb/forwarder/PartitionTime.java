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
    /**
     * {@link #at} when its last heartbeat was read, if one was ({@link #heardAny}: a time given by a hand-over's
     * outage alone has none): see {@link #ranOn}.
     */
    private long heardNanos;
    private boolean heardAny;
    private boolean live;
    /** Whether the monotonic clock counts from {@link #anchorRecordNanos} since {@link #anchorLocalNanos}. */
    private boolean anchored;
    private long anchorRecordNanos;
    private long anchorLocalNanos;
    /** The host whose leap (see {@link #leap}) waits for another's, and how far it claimed, until when. */
    private String leapBy;
    private long leapNanos;
    private long leapUntilNanos;

    boolean known() {
        return known;
    }

    boolean live() {
        return live;
    }

    /** Its time at {@code nowNanos} (the monotonic clock); meaningless until {@link #known}. */
    long at(long nowNanos) {
        return anchored ? Math.max(recordNanos, anchorRecordNanos + (nowNanos - anchorLocalNanos)) : recordNanos;
    }

    /**
     * How far its time ran on with the clock (while live) since its last heartbeat was read, at {@code nowNanos}: a
     * difference, the same on any owner's count, where {@link #at} is on the count of the host whose heartbeat gave it
     * its first time; -1 when no heartbeat was read.
     */
    long ranOn(long nowNanos) {
        return heardAny ? Math.max(0, at(nowNanos) - heardNanos) : -1;
    }

    /**
     * Its time goes on from {@code timeNanos} if that is further (a previous owner's time ran on past the same
     * records: {@link SilentHostWatch#handedOver}), and, while live, runs on with the clock from there: {@link #reach}
     * alone left a live partition's time standing at it until the clock caught up.
     */
    void runOn(long timeNanos, long nowNanos) {
        recordNanos = Math.max(known ? at(nowNanos) : timeNanos, timeNanos);
        known = true;
        if (live) {
            anchor(nowNanos);
        }
    }

    /** A heartbeat of the partition was read at {@code nowNanos}, its time moved as it moves it. */
    void heard(long nowNanos) {
        heardNanos = at(nowNanos);
        heardAny = true;
    }

    /** A record read at {@code nowNanos} says the partition got to {@code timeNanos} at least. */
    void reach(long timeNanos, long nowNanos) {
        recordNanos = known ? Math.max(recordNanos, timeNanos) : timeNanos;
        known = true;
        if (live && !anchored) {
            // Live before its first record (a quiet partition after a restart, a new one): the clock counts from
            // here. It counted from 0 before, which no record time is below: the hosts there were never reported.
            anchor(nowNanos);
        }
    }

    /**
     * A heartbeat of {@code host} claims the partition got to {@code claimedNanos}, more than one of its intervals past
     * its time, {@code furthestNanos}: either every host there was silent and they come back (their clocks say so
     * alike), or this host's clock stepped ahead (a host booted with its hardware clock on local time), which dragged
     * every other host there into silence. It moves as far as another host claimed within {@code windowNanos} of the
     * partition's time, else to {@code furthestNanos} only. Returns the host whose claim this one bore out (its own
     * reading to be moved on as well), else null.
     */
    String leap(String host, long claimedNanos, long furthestNanos, long windowNanos, long nowNanos) {
        if (leapBy != null && !leapBy.equals(host) && leapNanos > furthestNanos && at(nowNanos) <= leapUntilNanos) {
            reach(Math.min(claimedNanos, leapNanos), nowNanos);
            String confirmed = leapBy;
            leapBy = null;
            return confirmed;
        }
        reach(furthestNanos, nowNanos);
        leapBy = host;
        leapNanos = claimedNanos;
        leapUntilNanos = at(nowNanos) + windowNanos;
        return null;
    }

    /**
     * Whether everything of the partition is delivered and Wazuh takes datagrams: only then does time without records
     * mean its hosts said nothing.
     */
    void live(boolean isLive, long nowNanos) {
        if (isLive && !live && known) {
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
