package io.dwb.forwarder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions are stalled behind a transaction left open: their stable end (last stable offset, where a
 * read_committed consumer stops) has stood still for at least the threshold while records were written past it. Fed
 * the successive readings of the partitions' written and stable ends ({@link OpenTransactionWatch}, once a second),
 * it says when a partition becomes stalled, once, and when it is released: its stable end moved (the transaction
 * ended), or the partition is no longer watched here. Every listener's commit puts a partition's written end past its
 * stable end for a moment, so only a stable end that stands still that long counts. A partition not answered in a
 * reading keeps what was known of it. Time is passed in (monotonic nanoseconds). Not thread-safe: the watch's thread
 * owns it.
 */
final class StalledPartitions {
    /** One partition's ends as read: written (high watermark) and stable (last stable offset). */
    record Ends(long written, long stable) {}

    /** What a reading changed. */
    sealed interface Change extends PartitionChange permits Stalled, Released {}

    /**
     * {@code partition}'s stable end has stood at {@code stableOffset} for {@code heldNanos} (at least the threshold)
     * with {@code waiting} records written past it.
     */
    record Stalled(TopicPartition partition, long stableOffset, long waiting, long heldNanos) implements Change {}

    /**
     * A stalled partition released after {@code heldNanos} at {@code stableOffset}: its stable end moved ({@code
     * moved}, to {@code nowStable}), or it is no longer watched here ({@code moved} false, {@code nowStable} -1).
     */
    record Released(TopicPartition partition, long stableOffset, long nowStable, long heldNanos, boolean moved)
            implements Change {}

    /** A partition with records past its stable end: where that end stands, since when, how many wait. */
    private static final class Held {
        final long stable;
        final long sinceNanos;
        long waiting;
        boolean stalled;

        Held(long stable, long sinceNanos) {
            this.stable = stable;
            this.sinceNanos = sinceNanos;
        }
    }

    private final long thresholdNanos;
    private final Map<TopicPartition, Held> held = new HashMap<>();

    /** @param thresholdNanos how long a stable end must stand still, records past it, to be a stall (above 0) */
    StalledPartitions(long thresholdNanos) {
        if (thresholdNanos <= 0) {
            throw new IllegalArgumentException("threshold must be above 0: " + thresholdNanos);
        }
        this.thresholdNanos = thresholdNanos;
    }

    /**
     * One reading, asked at {@code nowNanos}: the ends of the partitions that answered; {@code watched} the partitions
     * watched now (those no longer in it are forgotten, and released if stalled).
     *
     * @return what it changed, in no particular order
     */
    List<Change> read(Map<TopicPartition, Ends> answered, Set<TopicPartition> watched, long nowNanos) {
        List<Change> changes = new ArrayList<>();
        for (Iterator<Map.Entry<TopicPartition, Held>> it = held.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Held> e = it.next();
            if (!watched.contains(e.getKey())) {
                it.remove();
                if (e.getValue().stalled) {
                    changes.add(new Released(e.getKey(), e.getValue().stable, -1,
                            nowNanos - e.getValue().sinceNanos, false));
                }
            }
        }
        answered.forEach((tp, ends) -> {
            if (watched.contains(tp)) {
                read(tp, ends, nowNanos, changes);
            }
        });
        return changes;
    }

    private void read(TopicPartition tp, Ends ends, long nowNanos, List<Change> changes) {
        Held h = held.get(tp);
        if (h != null && h.stable != ends.stable()) {
            held.remove(tp);
            if (h.stalled) {
                changes.add(new Released(tp, h.stable, ends.stable(), nowNanos - h.sinceNanos, true));
            }
            h = null;
        }
        if (ends.written() <= ends.stable()) {
            if (h != null) { // everything written is decided: nothing waits any more
                held.remove(tp);
                if (h.stalled) {
                    changes.add(new Released(tp, h.stable, ends.stable(), nowNanos - h.sinceNanos, true));
                }
            }
            return;
        }
        if (h == null) {
            h = new Held(ends.stable(), nowNanos);
            held.put(tp, h);
        }
        h.waiting = ends.written() - ends.stable();
        if (!h.stalled && nowNanos - h.sinceNanos >= thresholdNanos) {
            h.stalled = true;
            changes.add(new Stalled(tp, h.stable, h.waiting, nowNanos - h.sinceNanos));
        }
    }

    /** The partitions stalled now. */
    int stalled() {
        int n = 0;
        for (Held h : held.values()) {
            if (h.stalled) {
                n++;
            }
        }
        return n;
    }

    /** How long the longest stall has held its partition at {@code nowNanos}; 0 when none is stalled. */
    long longestNanos(long nowNanos) {
        long longest = 0;
        for (Held h : held.values()) {
            if (h.stalled) {
                longest = Math.max(longest, nowNanos - h.sinceNanos);
            }
        }
        return longest;
    }

    /** Records written past the stable end of the stalled partitions, as last read. */
    long waiting() {
        long n = 0;
        for (Held h : held.values()) {
            if (h.stalled) {
                n += h.waiting;
            }
        }
        return n;
    }
}
