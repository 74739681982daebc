package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EpochNanos;
import io.dwb.schemas.Heartbeat;
import java.time.Duration;
import java.util.function.LongSupplier;

/** When the next heartbeat record is due, and what it says. Not thread-safe: the publishing thread owns it. */
final class HeartbeatClock {
    private final Duration interval;
    private final long intervalNanos;
    private final LongSupplier epochNanos;
    private long nextDue;
    /** After the first heartbeat, how long until the second (then the phase stays); negative once used. */
    private long firstGapNanos;

    /**
     * @param nowNanos   the monotonic clock's now
     * @param epochNanos the wall clock, nanoseconds since the epoch, for the heartbeat's time
     */
    HeartbeatClock(Duration interval, long nowNanos, LongSupplier epochNanos) {
        this(interval, epochNanos, nowNanos + interval.toNanos(), interval.toNanos());
    }

    private HeartbeatClock(Duration interval, LongSupplier epochNanos, long firstDue, long firstGapNanos) {
        this.interval = interval;
        this.intervalNanos = interval.toNanos();
        this.epochNanos = epochNanos;
        this.nextDue = firstDue;
        this.firstGapNanos = firstGapNanos;
    }

    /**
     * A clock whose first heartbeat is due at once: a listener started again is heard as soon as Kafka takes it, not
     * an interval later, so a forwarder that heard its last heartbeat say it was stopping (a restart, an upgrade)
     * does not take the restart for a stop when it lasted more than two intervals less the start. The second comes
     * {@code phase} intervals after it ({@code phase} above 0, at most 1; a random one): listeners started together
     * (a fleet's rollout, its hosts booted after a power cut) do not heartbeat together from then on, every interval,
     * and no two heartbeats are more than an interval apart (the alert rules' and the forwarders' bounds).
     */
    static HeartbeatClock startingNow(Duration interval, long nowNanos, LongSupplier epochNanos, double phase) {
        return new HeartbeatClock(interval, epochNanos, nowNanos, (long) (interval.toNanos() * phase));
    }

    /** Nanoseconds until the next heartbeat is due (0 or less: due now). */
    long nanosUntilDue(long nowNanos) {
        return nextDue - nowNanos;
    }

    /**
     * True once per interval; the first heartbeat comes an interval after start, or at once ({@link #startingNow}).
     * The next one keeps this listener's phase: one overdue (Kafka away, the process stopped in a debugger) is sent
     * at once, and the next comes when it would have come, within an interval. Counted from the overdue one instead, a
     * fleet's listeners, which all send theirs as Kafka comes back after an outage, heartbeated together from then on:
     * every interval, a heartbeat transaction of each host within a second or two.
     */
    boolean due(long nowNanos) {
        long late = nowNanos - nextDue;
        if (late < 0) {
            return false;
        }
        if (firstGapNanos >= 0) {
            nextDue = nowNanos + firstGapNanos;
            firstGapNanos = -1;
            return true;
        }
        nextDue += (late / intervalNanos + 1) * intervalNanos;
        return true;
    }

    /**
     * The heartbeat of now: whether the engine is connected, and the checkpoint capture has reached: its time, unless
     * the engine dated that event outside the contract's 2000-2100 (a forwarder dead-letters a heartbeat carrying
     * such a time, and the host would look silent while it heartbeats).
     */
    Heartbeat heartbeat(boolean engineConnected, Checkpoint checkpoint) {
        return heartbeat(engineConnected, checkpoint, null);
    }

    /**
     * The last heartbeat before a requested stop: it says none follows until the listener starts again, so that a
     * forwarder tells a stop (a scale-in, a reboot, an upgrade) from a listener gone silent.
     */
    Heartbeat last(Checkpoint checkpoint) {
        return heartbeat(false, checkpoint, true);
    }

    private Heartbeat heartbeat(boolean engineConnected, Checkpoint checkpoint, Boolean stopping) {
        long now = epochNanos.getAsLong();
        Long lastEvent = checkpoint == null || !EpochNanos.inRange(checkpoint.timeNano()) ? null
                : checkpoint.timeNano();
        return new Heartbeat(ContractJson.rfc3339(now), now, Math.max(1, interval.toSeconds()), engineConnected,
                lastEvent, stopping);
    }
}
