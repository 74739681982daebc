package io.dwb.forwarder;

import io.dwb.runtime.Backoff;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * Delivery held because the Wazuh queue or the dead-letter topic refuses: what refuses, why (its {@link
 * Refusal.Cause}), since when, and when to try again (capped exponential backoff, from the first refusal; reset when
 * it ends). It lasts until nothing that refused still does (the letters going through do not end a pause the Wazuh
 * queue still holds), or a datagram is taken, or a retry's round refuses nothing with nothing left to try (the refused
 * record's partition was revoked and the others have no record waiting, in memory or in Kafka: else the pause would
 * last until a record came). Records that need no datagram (heartbeats, duplicates, dead letters) go on at each retry
 * without ending it: else, in a fleet, each retry's heartbeats ended the pause and the next datagram started it again,
 * a log line each and the backoff back at its first step, for as long as Wazuh was down.
 */
final class Pause {
    /** What a refusal changed. */
    enum Change { STARTED, CAUSE_CHANGED, NONE }

    private final Backoff backoff;
    /**
     * What refuses, and its cause: a line each time one's cause changes, not each time the other refuses again, nor
     * each time only its words do (a Wazuh state file's numbers, read again at each retry: a line every 5 s).
     */
    private final Map<AlertPipeline.Refuser, Refusal.Cause> refusing = new EnumMap<>(AlertPipeline.Refuser.class);
    private long since;
    private long retryAt;
    /** Whether anything refused in the delivery round now. */
    private boolean refusedInRound;

    Pause(Duration firstRetry, Duration maxRetry) {
        this.backoff = new Backoff(firstRetry, maxRetry);
    }

    boolean active() {
        return !refusing.isEmpty();
    }

    /** Whether a retry may go at {@code now}: not paused, or the backoff has passed. */
    boolean due(long now) {
        return refusing.isEmpty() || now >= retryAt;
    }

    /** Nanoseconds until the retry; 0 when due. */
    long untilRetry(long now) {
        return Math.max(0, retryAt - now);
    }

    /**
     * Refused at {@code now} by {@code refuser} for {@code cause}: the next retry backs off further (once a retry,
     * when both the outbox and the letters refuse at it).
     */
    Change refused(AlertPipeline.Refuser refuser, Refusal.Cause cause, long now) {
        refusedInRound = true;
        Change change = refusing.isEmpty() ? Change.STARTED
                : cause.equals(refusing.get(refuser)) ? Change.NONE : Change.CAUSE_CHANGED;
        if (change == Change.STARTED) {
            since = now;
        }
        if (change == Change.STARTED || now >= retryAt) {
            retryAt = now + backoff.next().toNanos();
        }
        refusing.put(refuser, cause);
        return change;
    }

    /** A delivery round starts (the pause, if any, is due). */
    void roundStarted() {
        refusedInRound = false;
    }

    /**
     * The round is over: how long the pause lasted when nothing refused in it and {@code nothingLeft} (no record
     * held nor known to be waiting in Kafka), else (or with no pause) -1.
     */
    long roundOver(long now, boolean nothingLeft) {
        return refusedInRound || !nothingLeft ? -1 : ended(now);
    }

    /** A datagram was taken: how long the pause lasted in nanoseconds, or -1 when there was none. */
    long ended(long now) {
        if (refusing.isEmpty()) {
            return -1;
        }
        refusing.clear();
        return endedNow(now);
    }

    /**
     * What {@code refuser} held went through: how long the pause lasted when nothing else refuses, else (or when
     * there was no pause) -1.
     */
    long through(AlertPipeline.Refuser refuser, long now) {
        return refusing.remove(refuser) != null && refusing.isEmpty() ? endedNow(now) : -1;
    }

    private long endedNow(long now) {
        backoff.reset();
        return now - since;
    }
}
