package io.dwb.bench;

import java.time.Instant;

/** Wall-clock time in epoch nanoseconds, the clock the engine stamps timeNano with (same host). */
public final class EpochClock {
    private EpochClock() {}

    public static long nowNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
