package io.dwb.forwarder;

import io.dwb.runtime.Backoff;
import java.time.Duration;

/**
 * Delivery held because the Wazuh queue or the dead-letter topic refuses: why, since when, and when to try again
 * (capped exponential backoff, from the first refusal; reset when a record goes through).
 */
final class Pause {
    /** What a refusal changed. */
    enum Change { STARTED, REASON_CHANGED, NONE }

    private final Backoff backoff;
    private String reason;
    private AlertPipeline.Refuser by;
    private long since;
    private long retryAt;

    Pause(Duration firstRetry, Duration maxRetry) {
        this.backoff = new Backoff(firstRetry, maxRetry);
    }

    boolean active() {
        return reason != null;
    }

    /** Whether the last refusal came from {@code refuser}. */
    boolean by(AlertPipeline.Refuser refuser) {
        return reason != null && by == refuser;
    }

    /** Whether a retry may go at {@code now}: not paused, or the backoff has passed. */
    boolean due(long now) {
        return reason == null || now >= retryAt;
    }

    /** Nanoseconds until the retry; 0 when due. */
    long untilRetry(long now) {
        return Math.max(0, retryAt - now);
    }

    /** Refused at {@code now} by {@code refuser} for {@code why}: the next retry backs off further. */
    Change refused(AlertPipeline.Refuser refuser, String why, long now) {
        Change change = reason == null ? Change.STARTED : why.equals(reason) ? Change.NONE : Change.REASON_CHANGED;
        if (reason == null) {
            since = now;
        }
        reason = why;
        by = refuser;
        retryAt = now + backoff.next().toNanos();
        return change;
    }

    /** A record went through: how long the pause lasted in nanoseconds, or -1 when there was none. */
    long ended(long now) {
        if (reason == null) {
            return -1;
        }
        reason = null;
        backoff.reset();
        return now - since;
    }
}
