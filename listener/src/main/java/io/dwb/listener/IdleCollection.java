package io.dwb.listener;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One full collection once the listener has gone quiet after its heap grew (the start, a burst of events): the
 * serial collector returns heap to the operating system only when it collects the whole heap, and an idle listener
 * allocates too little to collect at all, so without it the resident memory a burst took stayed taken
 * (docs/benchmarks.md, footprint). A quiet listener whose heap did not grow is never collected this way. Not
 * thread-safe: the publishing thread owns it; times are monotonic nanoseconds passed in.
 */
final class IdleCollection {
    /** Quiet this long before collecting: a burst that pauses for less is still going on. */
    static final Duration QUIET = Duration.ofSeconds(5);

    private final LongSupplier committedHeap;
    private final Runnable collect;
    private final long quietNanos;
    private long lastActivity;
    /** The committed heap after the last collection; 0 before the first, so the start's garbage goes too. */
    private long committedAfterCollection;

    /**
     * @param committedHeap the heap's committed bytes now ({@code Runtime::totalMemory})
     * @param collect       a full collection ({@code System::gc})
     */
    IdleCollection(LongSupplier committedHeap, Runnable collect, Duration quiet, long nowNanos) {
        this.committedHeap = committedHeap;
        this.collect = collect;
        this.quietNanos = quiet.toNanos();
        this.lastActivity = nowNanos;
    }

    /** Events came or went: not quiet. */
    void active(long nowNanos) {
        lastActivity = nowNanos;
    }

    /** Nothing to do now: collects when quiet long enough and the heap grew since the last collection. */
    void quiet(long nowNanos) {
        if (nanosUntilDue(nowNanos) > 0) {
            return;
        }
        collect.run();
        committedAfterCollection = committedHeap.getAsLong();
    }

    /**
     * How long until a quiet call would collect, if nothing happens meanwhile (0: now); {@link Long#MAX_VALUE} while
     * the heap did not grow since the last collection. The publishing thread waits no longer, so the collection
     * comes {@link #QUIET} after the last event, not at the next heartbeat.
     */
    long nanosUntilDue(long nowNanos) {
        if (committedHeap.getAsLong() <= committedAfterCollection) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, lastActivity + quietNanos - nowNanos);
    }
}
