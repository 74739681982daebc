package io.dwb.listener;

import java.time.Duration;

/** When the next heartbeat record is due. Not thread-safe: the publishing thread owns it. */
final class HeartbeatClock {
    private final long intervalNanos;
    private long nextDue;

    HeartbeatClock(Duration interval, long nowNanos) {
        this.intervalNanos = interval.toNanos();
        this.nextDue = nowNanos + intervalNanos;
    }

    /** Nanoseconds until the next heartbeat is due (0 or less: due now). */
    long nanosUntilDue(long nowNanos) {
        return nextDue - nowNanos;
    }

    /** True once per interval; the first heartbeat comes one interval after start. */
    boolean due(long nowNanos) {
        if (nowNanos - nextDue < 0) {
            return false;
        }
        nextDue = nowNanos + intervalNanos;
        return true;
    }
}
