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
 * container's action would share it. An event stamped before that second (a swarm event the raft leader dated, or one
 * made after a host clock stepped back) is kept too, as of the latest time: its id says it was published wherever a
 * replay puts it, and it moves neither the window nor the latest time. Not thread-safe: the publishing thread owns
 * it, through {@link Uncommitted}.
 */
final class RecentlyPublished {
    /** {@code seq}: the order kept in, which of two of the same time is dropped first. */
    private record Entry(long timeNano, long seq, String id) {}

    private static final Comparator<Entry> BY_TIME = Comparator.comparingLong(Entry::timeNano)
            .thenComparingLong(Entry::seq);

    private final TreeSet<Entry> entries = new TreeSet<>(BY_TIME);
    private final Set<String> ids = new HashSet<>();
    /** Every event published with a time from this one on is in {@link #entries}. */
    private long fromNano;
    /** The latest time of any event published. */
    private long latestNano;
    /** The next {@link Entry#seq}. */
    private long nextSeq;

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
                // Their own times are not kept: none is later than the latest, so kept as long as it would be (one
                // stamped before the window was kept as of the latest already).
                keep(latestNano, id);
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

    /**
     * An event of this time and {@link #idOf id} was published, or held to be. One stamped more than {@link
     * ContinuityCheck#REORDER_NANOS} before the latest is kept as of the latest time (as of its own, before the
     * window, it would be dropped at once), and moves neither the window nor the latest: on a swarm manager a
     * service, node, secret or config event carries the time the raft leader gave its object (moby's {@code
     * eventTimestamp}: its {@code CreatedAt} or {@code UpdatedAt}), seconds before local events handed over ahead of
     * it when the cluster is loaded or the leader's clock is behind this one's. Events made after a host clock stepped
     * back are stamped so too: only the engine's clock, read at the next resume ({@link ContinuityCheck.Replay#of}),
     * tells them apart, and the replay is then placed by the buffer's order; until then they are kept alike.
     */
    void add(long timeNano, String id) {
        if (latestNano != Long.MIN_VALUE && timeNano < latestNano - ContinuityCheck.REORDER_NANOS) {
            // Before, taken for a clock step: the ids kept were dropped, the window moved past the latest, and this
            // one not kept; an event a replay returned after the checkpointed one (handed over before it) was
            // published again.
            keep(latestNano, id);
            return;
        }
        latestNano = Math.max(latestNano, timeNano);
        if (timeNano < fromNano) {
            return;
        }
        keep(timeNano, id);
    }

    /** Keeps an id as of {@code timeNano}, then drops what is out of the replay's reach or past the bound. */
    private void keep(long timeNano, String id) {
        if (!ids.add(id)) {
            return;
        }
        entries.add(new Entry(timeNano, nextSeq++, id));
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
