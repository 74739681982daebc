package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the listener read since its last committed checkpoint, kept until Kafka has it: the records of the open
 * transaction (events; a gap and its state records) and, once that transaction failed, the events its subscription
 * had read after them. The next producer publishes them again, in order and before anything new, so a Kafka outage
 * loses nothing the listener had read, however far the engine has moved on meanwhile (it replays only its last 256
 * events). Heartbeats are not kept: the next one says the same. Also the checkpoints: the committed one (where a
 * restart resumes) and the pending one (the last held event that has a time: where the next subscription resumes),
 * with the ids of the events published just before it ({@link RecentlyPublished}).
 * The events' bytes stay counted in the {@link EventQueue}'s byte bound until committed or dropped, which is what
 * bounds it. Outlives one producer; not thread-safe: the publishing thread owns it.
 */
final class Uncommitted {
    /**
     * One record to publish again: its own time ({@code timeNano}, null for an event without one), from which a new
     * send stamps it again ({@link TopicRecords#restamped}); for an event, its checkpoint (when it has a time), the
     * id a checkpoint's recent events keep of it ({@link RecentlyPublished#idOf}; null when none), its bytes and
     * when it was read ({@link CapturedEvent#readNanos}).
     */
    record Held(ProducerRecord<byte[], byte[]> record, Long timeNano, boolean event, Checkpoint checkpoint,
                String recentId, long bytes, long readNanos) {}

    /** How the checkpoint a new producer found compares with what was held. */
    enum Reconciled {
        /** The failed transaction was aborted: everything held is published again. */
        KEPT,
        /** The failed commit went through after all: only what was read after it is published again. */
        COMMITTED_LATE,
        /**
         * Kafka has no checkpoint where one was committed (its topic deleted and created again, or the bootstrap
         * address now another cluster's): nothing else published, everything held is published again and the
         * checkpoint written again with the next commit.
         */
        CHECKPOINT_LOST,
        /** Kafka's checkpoint is neither (another listener published meanwhile): what was held is dropped. */
        DROPPED
    }

    /** What {@link #commit} or {@link #reconcile} took off the held records: events and their bytes. */
    record Taken(int events, long bytes) {}

    /** The outcome of {@link #reconcile} and what it took off (published by the late commit, or dropped). */
    record Reconciliation(Reconciled outcome, Taken taken) {}

    private final List<Held> held = new ArrayList<>();
    private final List<Held> heldView = Collections.unmodifiableList(held);
    private Checkpoint committed;
    /** The last checkpoint record written (or found), with its recent events: what a part's checkpoint adds to. */
    private Checkpoint written;
    private Checkpoint pending;
    /**
     * The first this many held records are in the commit being attempted, which moves the committed checkpoint to
     * commitCheckpoint and writes commitWriting (null: no record, nothing moved it).
     */
    private int inCommit;
    private Checkpoint commitCheckpoint;
    private Checkpoint commitWriting;
    private final RecentlyPublished recent;

    /** @param committed null when no checkpoint was committed yet */
    Uncommitted(Checkpoint committed) {
        this.committed = committed == null ? null : committed.position();
        this.written = committed;
        this.pending = this.committed;
        this.recent = new RecentlyPublished(committed);
    }

    /** Keeps a record of the listener's own (gap, state), of this time. */
    void hold(ProducerRecord<byte[], byte[]> record, long timeNano) {
        held.add(new Held(record, timeNano, false, null, null, 0, 0));
    }

    /** Keeps an event's record; it becomes the pending checkpoint when it has a time. */
    void hold(ProducerRecord<byte[], byte[]> record, CapturedEvent event) {
        Checkpoint checkpoint = event.identity().timeNano() == null ? null
                : new Checkpoint(event.identity().timeNano(), event.id());
        held.add(new Held(record, event.identity().timeNano(), true, checkpoint, recent.add(event),
                event.json().length, event.readNanos()));
        if (checkpoint != null) {
            pending = checkpoint;
        }
    }

    /** The records held, in order (a view: read it before anything is held or taken off). */
    List<Held> held() {
        return heldView;
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int events() {
        return (int) held.stream().filter(Held::event).count();
    }

    long bytes() {
        return held.stream().mapToLong(Held::bytes).sum();
    }

    Checkpoint committed() {
        return committed;
    }

    /** Where the next subscription resumes: the last event held, or the committed checkpoint (a position). */
    Checkpoint pending() {
        return pending;
    }

    /** The events published (or held) just before {@link #pending}: what a replay is checked against. */
    RecentlyPublished published() {
        return recent;
    }

    /**
     * A commit of the first {@code n} records held is about to be attempted; returns the checkpoint record it carries,
     * null when no event moved the checkpoint since the last commit. With everything held in it, the pending
     * checkpoint, with the recent events of all that was published. With fewer (the first part of what a failed
     * transaction held, {@link TransactionBudget}), that of its last event with a time, with the recent events up to
     * that one: what a start from it needs, were the rest never committed.
     */
    Checkpoint committing(int n) {
        inCommit = n;
        if (n == held.size()) {
            commitCheckpoint = pending;
            commitWriting = Objects.equals(pending, committed) ? null
                    : new Checkpoint(pending.timeNano(), pending.eventId(), recent.snapshot());
            return commitWriting;
        }
        RecentlyPublished upTo = new RecentlyPublished(written);
        Checkpoint last = written == null ? null : written.position();
        for (Held h : held.subList(0, n)) {
            if (h.recentId() != null) {
                upTo.add(h.timeNano(), h.recentId());
            }
            if (h.checkpoint() != null) {
                last = h.checkpoint();
            }
        }
        commitCheckpoint = last;
        commitWriting = last == null || Objects.equals(last, committed) ? null
                : new Checkpoint(last.timeNano(), last.eventId(), upTo.snapshot());
        return commitWriting;
    }

    /** The commit went through: its checkpoint is now where a restart resumes. */
    Taken commit() {
        Taken taken = take(inCommit);
        committed = commitCheckpoint;
        if (commitWriting != null) {
            written = commitWriting;
        }
        inCommit = 0;
        commitWriting = null;
        return taken;
    }

    /**
     * After a new producer's {@code initTransactions} (which completed or aborted the failed transaction) and its read
     * of the committed checkpoint: decides what is still to publish. A commit whose answer was lost may have gone
     * through; another listener of the engine may have published meanwhile: either way nothing is published twice.
     *
     * @param found the checkpoint Kafka has (null when none or unreadable)
     */
    Reconciliation reconcile(Checkpoint found) {
        Checkpoint stored = found == null ? null : found.position();
        Reconciliation r;
        if (Objects.equals(stored, committed)) {
            r = new Reconciliation(Reconciled.KEPT, new Taken(0, 0));
        } else if (stored == null) {
            r = new Reconciliation(Reconciled.CHECKPOINT_LOST, new Taken(0, 0));
            committed = null; // so that the next commit writes it, even one without a new event
        } else if (inCommit > 0 && Objects.equals(stored, commitCheckpoint)) {
            r = new Reconciliation(Reconciled.COMMITTED_LATE, take(inCommit));
            committed = stored;
            written = commitWriting;
        } else {
            r = new Reconciliation(Reconciled.DROPPED, take(held.size()));
            committed = stored;
            written = found;
            pending = stored;
            recent.reset(found);
        }
        inCommit = 0;
        commitWriting = null;
        return r;
    }

    private Taken take(int n) {
        List<Held> first = held.subList(0, n);
        Taken taken = new Taken((int) first.stream().filter(Held::event).count(),
                first.stream().mapToLong(Held::bytes).sum());
        first.clear();
        return taken;
    }
}
