package io.dwb.schemas;

/**
 * The range of every time in nanoseconds the contract carries ({@code timeNano}, {@code fromNano}, ...): from 2000 to
 * 2100. A value outside it is a forged or broken record, not a time, and arithmetic on it overflows. The schemas
 * state the same bounds ({@code ContractTest} checks that they agree).
 */
public final class EpochNanos {
    /** 2000-01-01T00:00:00Z. */
    public static final long MIN = 946_684_800_000_000_000L;
    /** 2100-01-01T00:00:00Z, exclusive. */
    public static final long MAX = 4_102_444_800_000_000_000L;

    private EpochNanos() {}

    public static boolean inRange(long nanos) {
        return nanos >= MIN && nanos < MAX;
    }

    /** The time of the range nearest {@code nanos}: {@code nanos} itself when it is in range. */
    public static long nearest(long nanos) {
        return Math.max(MIN, Math.min(MAX - 1, nanos));
    }
}
