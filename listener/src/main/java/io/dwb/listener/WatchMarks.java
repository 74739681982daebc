package io.dwb.listener;

import io.dwb.schemas.WatchMark;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * When a host whose listener has published no event yet has its {@link WatchMark} written: in the first commit once
 * it watches, again when the watch begins anew (a reconnection decided), and every {@link Uncommitted#REWRITE_AFTER}
 * in a commit made anyway (a heartbeat's), as a quiet host's checkpoint is: its lookup then reads at most what its
 * partition took in that time, where it read the whole partition at each start and after each Kafka failure. Never
 * once an event was read: its checkpoint speaks. Not thread-safe: the publishing thread owns it; it outlives the
 * producers.
 */
final class WatchMarks {
    private final Supplier<OptionalLong> watchingSince;
    private long written = Long.MIN_VALUE;
    private long writtenAtNanos;

    /** @param watchingSince the start of the watch under way (the engine's clock), empty when none */
    WatchMarks(Supplier<OptionalLong> watchingSince) {
        this.watchingSince = watchingSince;
    }

    /** The mark a commit at {@code nowNanos} (monotonic) carries, null when none is due. */
    WatchMark due(Uncommitted uncommitted, long nowNanos) {
        OptionalLong since = watchingSince.get();
        if (since.isEmpty() || uncommitted.pending() != null || uncommitted.committed() != null) {
            return null;
        }
        boolean due = since.getAsLong() != written || nowNanos - writtenAtNanos >= Uncommitted.REWRITE_AFTER.toNanos();
        return due ? new WatchMark(since.getAsLong()) : null;
    }

    /** The commit that carried {@code mark}, begun at {@code nowNanos}, went through. */
    void written(WatchMark mark, long nowNanos) {
        written = mark.watchingSince();
        writtenAtNanos = nowNanos;
    }
}
