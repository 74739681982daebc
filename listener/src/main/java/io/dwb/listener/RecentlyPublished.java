package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ids of the events published (or held to be) with a time near the newest one's, which the checkpoint carries
 * ({@link Checkpoint.Recent}) so that a replay is decided by id where order cannot tell. The engine appends an event
 * to its buffer under a lock, then hands it to each subscriber from a goroutine of its own, so two events made at
 * once can reach the listener in the other order than a replay returns them: a checkpointed event handed over
 * before one appended ahead of it (that one not yet published, yet before the checkpoint in the replay), or after
 * one appended behind it (that one published, yet after the checkpoint). Keeps every event with a time from
 * {@link #fromNano} on: no further back than the replay's {@link ContinuityCheck#REORDER_NANOS}, and the
 * {@link Checkpoint#RECENT_IDS} latest at most (a busy host then covers less than that second). Not thread-safe:
 * the publishing thread owns it, through {@link Uncommitted}.
 */
final class RecentlyPublished {
    private record Entry(long timeNano, String id) {}

    private static final Comparator<Entry> BY_TIME = Comparator.comparingLong(Entry::timeNano)
            .thenComparing(Entry::id);

    private final TreeSet<Entry> entries = new TreeSet<>(BY_TIME);
    private final Set<String> ids = new HashSet<>();
    /** Every event published with a time from this one on is in {@link #entries}. */
    private long fromNano;

    /** What was published before a start from {@code committed} (null: nothing, a first start). */
    RecentlyPublished(Checkpoint committed) {
        reset(committed);
    }

    /**
     * Starts again from what a checkpoint says. One of an earlier listener, without its recent events, covers
     * nothing up to a replay's reach after it: order decides there, as it did.
     */
    void reset(Checkpoint committed) {
        entries.clear();
        ids.clear();
        if (committed == null) {
            fromNano = Long.MIN_VALUE;
        } else if (committed.recent() == null) {
            fromNano = committed.timeNano() + ContinuityCheck.REORDER_NANOS + 1;
        } else {
            fromNano = committed.recent().fromNano();
            for (String id : committed.recent().ids()) {
                add(committed.timeNano(), id); // their own times are not kept: the checkpoint's is close enough
            }
        }
    }

    /** An event with a time was published, or held to be. */
    void add(CapturedEvent event) {
        Long time = event.identity().timeNano();
        if (time != null) {
            add(time, Checkpoint.Recent.idOf(event.id()));
        }
    }

    private void add(long timeNano, String id) {
        if (timeNano < fromNano || !ids.add(id)) {
            return;
        }
        entries.add(new Entry(timeNano, id));
        long reach = entries.last().timeNano() - ContinuityCheck.REORDER_NANOS;
        while (!entries.isEmpty() && (entries.first().timeNano() < reach || entries.size() > Checkpoint.RECENT_IDS)) {
            Entry dropped = entries.pollFirst();
            ids.remove(dropped.id());
            fromNano = Math.max(fromNano, dropped.timeNano() + 1);
        }
        fromNano = Math.max(fromNano, reach);
    }

    /** True when the event is among those kept: published, or held to be. */
    boolean contains(CapturedEvent event) {
        return !ids.isEmpty() && ids.contains(Checkpoint.Recent.idOf(event.id()));
    }

    /** Every event published with a time from this one on is {@linkplain #contains kept}. */
    long fromNano() {
        return fromNano;
    }

    Checkpoint.Recent snapshot() {
        List<String> list = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            list.add(e.id());
        }
        return new Checkpoint.Recent(fromNano, list);
    }
}
