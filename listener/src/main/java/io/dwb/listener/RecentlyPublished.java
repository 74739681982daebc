package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ids of the events published (or held to be) with a time near the latest one's, which the checkpoint carries
 * ({@link Checkpoint.Recent}) so that a replay is decided by id where order cannot tell. The engine appends an event
 * to its buffer under a lock, then hands it to each subscriber from a goroutine of its own, so two events made at
 * once can reach the listener in the other order than a replay returns them: a checkpointed event handed over
 * before one appended ahead of it (that one not yet published, yet before the checkpoint in the replay), or after
 * one appended behind it (that one published, yet after the checkpoint). Keeps every event with a time from
 * {@link #fromNano} on: no further back than the replay's {@link ContinuityCheck#REORDER_NANOS} before the latest,
 * and the {@link Checkpoint#RECENT_IDS} latest at most (a busy host then covers less than that second). Only events
 * with the engine's {@code timeNano} count: the id of one without it hashes no time, and two such events of one
 * container's action would share it. Not thread-safe: the publishing thread owns it, through {@link Uncommitted}.
 */
final class RecentlyPublished {
    private record Entry(long timeNano, String id) {}

    private static final Comparator<Entry> BY_TIME = Comparator.comparingLong(Entry::timeNano)
            .thenComparing(Entry::id);

    private final TreeSet<Entry> entries = new TreeSet<>(BY_TIME);
    private final Set<String> ids = new HashSet<>();
    /** Every event published with a time from this one on is in {@link #entries}. */
    private long fromNano;
    /** The latest time of any event published. */
    private long latestNano;

    /** What was published before a start from {@code committed} (null: nothing, a first start). */
    RecentlyPublished(Checkpoint committed) {
        reset(committed);
    }

    /** The id an event is kept by: null for one without the engine's {@code timeNano}, which is never kept. */
    static String idOf(CapturedEvent event) {
        return event.identity().timeNano() == null || event.identity().timeNanoText().isEmpty() ? null
                : Checkpoint.Recent.idOf(event.id());
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
            latestNano = Long.MIN_VALUE;
        } else if (committed.recent() == null) {
            fromNano = committed.timeNano() + ContinuityCheck.REORDER_NANOS + 1;
            latestNano = committed.timeNano();
        } else {
            fromNano = committed.recent().fromNano();
            latestNano = Math.max(committed.timeNano(), committed.recent().latestNano());
            for (String id : committed.recent().ids()) {
                // Their own times are not kept: none is later than the latest, so kept as long as it would be.
                add(latestNano, id);
            }
        }
    }

    /** An event was published, or held to be; returns the id it is kept by ({@link #idOf}). */
    String add(CapturedEvent event) {
        String id = idOf(event);
        if (id != null) {
            add(event.identity().timeNano(), id);
        }
        return id;
    }

    /** An event of this time and {@link #idOf id} was published, or held to be. */
    void add(long timeNano, String id) {
        if (latestNano != Long.MIN_VALUE && timeNano < latestNano - ContinuityCheck.REORDER_NANOS) {
            // The clock went back (a host clock stepped back): the events made since are older than those published
            // before, whose ids are no longer kept. Nothing is claimed until times pass the latest again.
            entries.clear();
            ids.clear();
            fromNano = Math.max(fromNano, latestNano + 1);
            return;
        }
        latestNano = Math.max(latestNano, timeNano);
        if (timeNano < fromNano || !ids.add(id)) {
            return;
        }
        entries.add(new Entry(timeNano, id));
        long reach = latestNano - ContinuityCheck.REORDER_NANOS;
        while (!entries.isEmpty() && (entries.first().timeNano() < reach || entries.size() > Checkpoint.RECENT_IDS)) {
            Entry dropped = entries.pollFirst();
            ids.remove(dropped.id());
            fromNano = Math.max(fromNano, dropped.timeNano() + 1);
        }
        fromNano = Math.max(fromNano, reach);
    }

    /** True when the event is among those kept: published, or held to be. */
    boolean contains(CapturedEvent event) {
        String id = ids.isEmpty() ? null : idOf(event);
        return id != null && ids.contains(id);
    }

    /** Every event published with a time from this one on is {@linkplain #contains kept}. */
    long fromNano() {
        return fromNano;
    }

    /** The latest time of any event published. */
    long latestNano() {
        return latestNano;
    }

    Checkpoint.Recent snapshot() {
        List<String> list = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            list.add(e.id());
        }
        return new Checkpoint.Recent(fromNano, latestNano, list);
    }
}
