package io.dwb.forwarder;

import java.util.function.LongSupplier;

/**
 * The wall clock, in nanoseconds since the epoch, that never goes back: after the host's clock steps back (NTP
 * stepping a drifted clock, a VM restored from a snapshot) it goes on from where it was at the monotonic clock's
 * pace until the wall clock passes it again; a step forward is taken at once. So after a step back that corrected a
 * clock that ran fast, it stays that far ahead of the true time for the life of the process: that is what it costs
 * not to take every record as ahead after a step back that made the clock wrong (a VM restored). Not thread-safe.
 */
final class SteadyWallClock implements LongSupplier {
    private final LongSupplier wallNanos;
    private final LongSupplier monotonicNanos;
    private boolean started;
    private long last;
    private long lastMonotonic;

    /**
     * @param wallNanos      the wall clock ({@code ContractJson::epochNanosNow}; a test's)
     * @param monotonicNanos the monotonic clock ({@code System::nanoTime}; a test's)
     */
    SteadyWallClock(LongSupplier wallNanos, LongSupplier monotonicNanos) {
        this.wallNanos = wallNanos;
        this.monotonicNanos = monotonicNanos;
    }

    @Override
    public long getAsLong() {
        long wall = wallNanos.getAsLong();
        long monotonic = monotonicNanos.getAsLong();
        last = started ? Math.max(wall, last + (monotonic - lastMonotonic)) : wall;
        lastMonotonic = monotonic;
        started = true;
        return last;
    }
}
