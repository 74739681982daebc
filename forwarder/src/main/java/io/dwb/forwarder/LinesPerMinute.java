package io.dwb.forwarder;

/**
 * Log lines of one kind, at most {@code perMinute} in a minute from the first; the rest counted until the minute is
 * over, when one line says how many were left out ({@link #leftOut}). Time is passed in (monotonic nanoseconds). Not
 * thread-safe: each belongs to the thread that logs its lines.
 */
final class LinesPerMinute {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private final int perMinute;
    private boolean open;
    private long minuteStart;
    private int logged;
    private long leftOut;

    LinesPerMinute(int perMinute) {
        this.perMinute = perMinute;
    }

    /** Whether a line at {@code nowNanos} may be logged; if not, it is counted as left out. */
    boolean take(long nowNanos) {
        if (open && leftOut == 0 && nowNanos - minuteStart >= MINUTE_NANOS) {
            open = false; // one that left lines out ends when it says so (leftOut)
        }
        if (!open) {
            open = true;
            minuteStart = nowNanos;
            logged = 0;
        }
        if (logged < perMinute) {
            logged++;
            return true;
        }
        leftOut++;
        return false;
    }

    /** How many the minute left out, once it is over (then it ends); 0 before. */
    long leftOut(long nowNanos) {
        if (leftOut == 0 || nowNanos - minuteStart < MINUTE_NANOS) {
            return 0;
        }
        long n = leftOut;
        leftOut = 0;
        open = false;
        return n;
    }
}
