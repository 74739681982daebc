package io.dwb.listener;

import java.time.Duration;

/**
 * The rule that declares an engine connection dead although its socket looks open (a half-open TCP connection: the
 * peer vanished or the packets are black-holed, so the events stream just stays silent). Two signs, each bounded:
 * <ul>
 *   <li>the response to GET /events has not begun {@code timeout} after the request (the engine answers its headers
 *       at once, before any event);</li>
 *   <li>a probe is sent every {@code interval}, and nothing answered for {@code interval + timeout}, i.e. one whole
 *       probe went unanswered.</li>
 * </ul>
 * Not thread-safe: one probing thread owns it. Times are monotonic nanoseconds passed in, so the rule is tested
 * with a fake clock.
 */
final class EngineLiveness {
    private final long intervalNanos;
    private final long silenceLimitNanos;
    private final long openDeadlineNanos;
    private long lastAnswerNanos;
    private long nextProbeNanos;

    /** @param requestedNanos when GET /events was sent: it counts as an answer for the probes */
    EngineLiveness(Duration interval, Duration timeout, long requestedNanos) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe interval and timeout must be above 0");
        }
        this.intervalNanos = interval.toNanos();
        this.silenceLimitNanos = intervalNanos + timeout.toNanos();
        this.openDeadlineNanos = requestedNanos + timeout.toNanos();
        this.lastAnswerNanos = requestedNanos;
        this.nextProbeNanos = requestedNanos + intervalNanos;
    }

    /** When the next probe is due (monotonic nanoseconds). */
    long nextProbeNanos() {
        return nextProbeNanos;
    }

    /** When {@link #gone} should be asked next without a probe: the open deadline while the stream is not open. */
    long nextCheckNanos(boolean streamOpen) {
        return streamOpen ? nextProbeNanos : Math.min(nextProbeNanos, openDeadlineNanos);
    }

    /** A probe was sent at {@code sentNanos}: the next one is due an interval later, whatever its outcome. */
    void probed(long sentNanos) {
        nextProbeNanos = sentNanos + intervalNanos;
    }

    /** The engine answered a probe. */
    void answered(long nowNanos) {
        lastAnswerNanos = Math.max(lastAnswerNanos, nowNanos);
    }

    /**
     * Why the connection must be dropped now, or null while it may live.
     *
     * @param streamOpen whether the engine has begun its response to GET /events
     */
    Verdict gone(long nowNanos, boolean streamOpen) {
        if (!streamOpen && nowNanos - openDeadlineNanos >= 0) {
            return Verdict.EVENTS_NOT_ANSWERED;
        }
        if (nowNanos - lastAnswerNanos >= silenceLimitNanos) {
            return Verdict.PROBES_NOT_ANSWERED;
        }
        return null;
    }

    /** Which sign showed the connection dead. */
    enum Verdict { EVENTS_NOT_ANSWERED, PROBES_NOT_ANSWERED }

    /** How long probe silence lasts before {@link #gone}: interval + timeout. */
    Duration silenceLimit() {
        return Duration.ofNanos(silenceLimitNanos);
    }
}
