package io.dwb.forwarder;

/**
 * Which of delivery's pause and resume lines are said. Delivery that follows what Wazuh takes (a manager's analysisd
 * queue under an EPS limit, an agent's buffer, while a backlog drains) pauses and resumes every few seconds for as
 * long as the backlog lasts: a WARN and an INFO line each time, for hours, where the docs promise one line a pause. A
 * pause for the same cause as the one before, starting within {@link #QUIET_NANOS} of that one's end, is not said
 * alone: a line at most once a {@link #QUIET_NANOS} counts them, and one that lasts that long is said then (Wazuh
 * gone for good after a short pause: its end was the last line). Any other pause is said as before, and so is a new
 * cause during one. Time is passed in (monotonic nanoseconds). Not thread-safe: the delivery loop's.
 */
final class PauseLines {
    /** How soon after a pause ends the next one of the same cause is a repeat, and how often repeats are counted. */
    static final long QUIET_NANOS = 60_000_000_000L;

    /** Repeats not said alone, over {@code overNanos}: {@code pauses} of them, {@code pausedNanos} in all. */
    record Repeats(int pauses, long pausedNanos, long overNanos) {}

    /** A pause not said at its start, for its line when it is said after all: why, and the records it keeps. */
    record Unsaid(Refusal refusal, int keeping) {}

    private Refusal.Cause lastCause;
    private boolean ended;
    private long endedAt;
    /** The pause going on, when it is a repeat not said (yet); else null. */
    private Unsaid quiet;
    private boolean pausing;
    private long startedAt;
    private int pauses;
    private long pausedNanos;
    private long countingSince;

    /**
     * A pause starts at {@code now} for {@code refusal}, keeping {@code keeping} records: whether to say it (one only a
     * person ends, always).
     */
    boolean started(Refusal refusal, int keeping, long now) {
        Refusal.Cause cause = refusal.cause();
        boolean repeat = !refusal.forGood() && ended && cause.equals(lastCause) && now - endedAt < QUIET_NANOS;
        quiet = repeat ? new Unsaid(refusal, keeping) : null;
        lastCause = cause;
        pausing = true;
        startedAt = now;
        if (repeat && pauses == 0) {
            countingSince = now;
        }
        return !repeat;
    }

    /** The pause, when its cause changed, if it was a repeat not said (said now, and its end); else null. */
    Unsaid causeChanged(Refusal.Cause cause) {
        Unsaid was = quiet;
        lastCause = cause;
        quiet = null;
        return was;
    }

    /** The repeat going on once it lasted {@link #QUIET_NANOS} at {@code now} (said now, and its end); else null. */
    Unsaid overdue(long now) {
        if (quiet == null || !pausing || now - startedAt < QUIET_NANOS) {
            return null;
        }
        Unsaid due = quiet;
        quiet = null;
        return due;
    }

    /** Whether the pause that ended at {@code now} after {@code nanos} is said (else it is counted). */
    boolean ended(long nanos, long now) {
        ended = true;
        pausing = false;
        endedAt = now;
        boolean said = quiet == null;
        if (!said) {
            pauses++;
            pausedNanos += nanos;
        }
        quiet = null;
        return said;
    }

    /**
     * The repeats counted, once a {@link #QUIET_NANOS} (looked at once a second, and at each pause's end) or when
     * {@code all} (a pause said); null when none is due. Over the time from the first to the last one's end.
     */
    Repeats due(long now, boolean all) {
        if (pauses == 0 || !all && now - countingSince < QUIET_NANOS) {
            return null;
        }
        Repeats repeats = new Repeats(pauses, pausedNanos, endedAt - countingSince);
        pauses = 0;
        pausedNanos = 0;
        return repeats;
    }
}
