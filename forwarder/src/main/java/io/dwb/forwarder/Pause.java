package io.dwb.forwarder;

import io.dwb.runtime.Backoff;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * Delivery held because the Wazuh queue or the dead-letter topic refuses: what refuses, why, since when, and when to
 * try again (capped exponential backoff, from the first refusal; reset when a record goes through). It lasts until
 * nothing that refused still does: the letters going through do not end a pause the Wazuh queue still holds.
 */
final class Pause {
    /** What a refusal changed. */
    enum Change { STARTED, REASON_CHANGED, NONE }

    private final Backoff backoff;
    private final Set<AlertPipeline.Refuser> refusing = EnumSet.noneOf(AlertPipeline.Refuser.class);
    private String reason;
    private long since;
    private long retryAt;

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
     * Refused at {@code now} by {@code refuser} for {@code why}: the next retry backs off further (once a retry,
     * when both the outbox and the letters refuse at it).
     */
    Change refused(AlertPipeline.Refuser refuser, String why, long now) {
        Change change = refusing.isEmpty() ? Change.STARTED
                : why.equals(reason) ? Change.NONE : Change.REASON_CHANGED;
        if (change == Change.STARTED) {
            since = now;
        }
        if (change == Change.STARTED || now >= retryAt) {
            retryAt = now + backoff.next().toNanos();
        }
        refusing.add(refuser);
        reason = why;
        return change;
    }

    /** A record went through: how long the pause lasted in nanoseconds, or -1 when there was none. */
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
        return refusing.remove(refuser) && refusing.isEmpty() ? endedNow(now) : -1;
    }

    private long endedNow(long now) {
        reason = null;
        backoff.reset();
        return now - since;
    }
}
