package io.dwb.listener;

import java.time.Duration;

/**
 * The rule that declares an engine connection dead although its socket looks open (a half-open TCP connection: the
 * peer vanished or the packets are black-holed, so the events stream just stays silent). A probe is sent every
 * {@code interval}; the engine counts as gone once nothing answered for {@code interval + timeout}, i.e. as soon as
 * one whole probe went unanswered. Not thread-safe: one probing thread owns it. Times are monotonic nanoseconds
 * passed in, so the rule is tested with a fake clock.
 */
final class EngineLiveness {
    private final long intervalNanos;
    private final long silenceLimitNanos;
    private long lastAnswerNanos;
    private long nextProbeNanos;

    /** @param nowNanos when the connection was opened: it counts as an answer */
    EngineLiveness(Duration interval, Duration timeout, long nowNanos) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("probe interval and timeout must be above 0");
        }
        this.intervalNanos = interval.toNanos();
        this.silenceLimitNanos = intervalNanos + timeout.toNanos();
        this.lastAnswerNanos = nowNanos;
        this.nextProbeNanos = nowNanos + intervalNanos;
    }

    /** When the next probe is due (monotonic nanoseconds). */
    long nextProbeNanos() {
        return nextProbeNanos;
    }

    /** A probe was sent at {@code sentNanos}: the next one is due an interval later, whatever its outcome. */
    void probed(long sentNanos) {
        nextProbeNanos = sentNanos + intervalNanos;
    }

    /** The engine answered a probe. */
    void answered(long nowNanos) {
        lastAnswerNanos = Math.max(lastAnswerNanos, nowNanos);
    }

    /** True once the engine has been silent for the whole limit: the connection must be dropped. */
    boolean gone(long nowNanos) {
        return nowNanos - lastAnswerNanos >= silenceLimitNanos;
    }

    /** How long silence lasts before {@link #gone}: interval + timeout. */
    Duration silenceLimit() {
        return Duration.ofNanos(silenceLimitNanos);
    }
}
