package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.time.Duration;
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
 * with the ids of the events published just before it ({@link RecentlyPublished}). A checkpoint not written for
 * {@link #REWRITE_AFTER} is written again, unchanged, by the next commit that moves nothing (a heartbeat's).
 * The events' bytes stay counted in the {@link EventQueue}'s byte bound until committed or dropped, which is what
 * bounds it. Outlives one producer; not thread-safe: the publishing thread owns it.
 */
final class Uncommitted {
    /**
     * One record to publish again: its own time ({@code timeNano}, null for an event without one), from which a new
     * send stamps it again ({@link TopicRecords#again}); for an event, its checkpoint (when it has a time), the
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
        DROPPED,
        /**
         * Kafka's checkpoint is older than the one this process committed: Kafka lost transactions it had committed
         * (an unclean leader election, a replica's log lost), which no other listener does (one resumes from this
         * one's checkpoint and moves it on). What was held is dropped, as for {@link #DROPPED}: capture resumes from
         * Kafka's checkpoint, so the engine's replay publishes again what Kafka lost, as far as it still has it.
         */
        ROLLED_BACK
    }

    /** What {@link #commit} or {@link #reconcile} took off the held records: events and their bytes. */
    record Taken(int events, long bytes) {}

    /** The outcome of {@link #reconcile} and what it took off (published by the late commit, or dropped). */
    record Reconciliation(Reconciled outcome, Taken taken) {}

    /**
     * How long the checkpoint may go unwritten: a commit that moves nothing (a heartbeat's transaction, a gap's)
     * writes it again, the same record, once this long has passed since this process last committed it, and at its
     * first such commit when it found it at start (or after another listener moved it) rather than wrote it. A
     * lookup reads its host's checkpoint partition back from the end until it meets the host's newest checkpoint:
     * that of a quiet host, written only when an event moved it, sat behind everything the partition's other hosts
     * wrote since (hours of a fleet's checkpoints, or days of compacted offsets), read at every start and after every
     * Kafka failure, by every quiet listener of a fleet at once after an outage. Written again, it is never further
     * back than what the partition takes in this interval and a heartbeat interval. Shorter costs more records (one
     * per idle host per interval: at 10,000 hosts about 33 a second, a tenth of their heartbeats), longer makes
     * lookups longer; 5 minutes keeps both small.
     */
    static final Duration REWRITE_AFTER = Duration.ofMinutes(5);
    private static final long REWRITE_AFTER_NANOS = REWRITE_AFTER.toNanos();

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
    /** The monotonic clock when the commit being attempted began. */
    private long commitNanos;
    /**
     * The monotonic clock when this process last committed {@link #written} (the commit's start), when {@link
     * #writtenAtKnown}; not known for one found in Kafka (at start, or moved by another listener).
     */
    private long writtenAtNanos;
    private boolean writtenAtKnown;
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

    /**
     * Keeps an event's record; it becomes the pending checkpoint when it has a time, however it is stamped: the last
     * event read, not the latest by time. A swarm event the raft leader dated seconds before local events read ahead
     * of it is the last the engine appended, the first its replay meets walking back from the newest: a replay from a
     * second before the latest time would stop at it at once, before the event checkpointed. What was published after its time is
     * told by {@link ContinuityCheck} from the latest time published ({@link RecentlyPublished#latestNano}).
     */
    void hold(ProducerRecord<byte[], byte[]> record, CapturedEvent event) {
        Checkpoint checkpoint = event.identity().timeNano() == null ? null
                : new Checkpoint(event.identity().timeNano(), event.id());
        held.add(new Held(record, event.identity().timeNano(), true, checkpoint, recent.add(event),
                event.json().length, event.readNanos()));
        if (checkpoint != null) {
            pending = checkpoint;
        }
    }

    /**
     * The {@code index}th record held is an event now sent as its stand-in, {@code value} ({@link EventBound}): so it
     * is held, its bytes still counted as read (as the queue holds them) until committed.
     */
    void standIn(int index, byte[] value) {
        Held h = held.get(index);
        ProducerRecord<byte[], byte[]> r = h.record();
        held.set(index, new Held(new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), value,
                r.headers()), h.timeNano(), h.event(), h.checkpoint(), h.recentId(), h.bytes(), h.readNanos()));
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
     * A commit of the first {@code n} records held is about to be attempted at {@code nowNanos} (the monotonic
     * clock); returns the checkpoint record it carries, null when no event moved the checkpoint since the last commit
     * and it was written less than {@link #REWRITE_AFTER} ago. With everything held in it, the pending checkpoint,
     * with the recent events of all that was published. With fewer (the first part of what a failed transaction
     * held, {@link TransactionBudget}), that of its last event with a time, with the recent events up to that one:
     * what a start from it needs, were the rest never committed. When nothing moved it and it is due again, the last
     * checkpoint written (or found), exactly: the committed one, never the pending one.
     */
    Checkpoint committing(int n, long nowNanos) {
        inCommit = n;
        commitNanos = nowNanos;
        if (n == held.size()) {
            commitCheckpoint = pending;
            commitWriting = Objects.equals(pending, committed) ? null
                    : new Checkpoint(pending.timeNano(), pending.eventId(), recent.snapshot());
        } else {
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
        }
        if (commitWriting == null && rewriteDue(nowNanos)) {
            commitWriting = written;
        }
        return commitWriting;
    }

    /**
     * The commit being attempted moves nothing, and the committed checkpoint was last written {@link #REWRITE_AFTER}
     * ago or by someone else ({@link #written} is it: the same position; its recent events as they were written).
     */
    private boolean rewriteDue(long nowNanos) {
        return committed != null && written != null && committed.equals(commitCheckpoint)
                && committed.equals(written.position())
                && (!writtenAtKnown || nowNanos - writtenAtNanos >= REWRITE_AFTER_NANOS);
    }

    /** The commit went through: its checkpoint is now where a restart resumes. */
    Taken commit() {
        Taken taken = take(inCommit);
        committed = commitCheckpoint;
        if (commitWriting != null) {
            writtenBy(commitWriting);
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
            writtenBy(commitWriting); // not null: it moved the checkpoint
        } else {
            boolean back = committed != null && stored.timeNano() < committed.timeNano();
            r = new Reconciliation(back ? Reconciled.ROLLED_BACK : Reconciled.DROPPED, take(held.size()));
            committed = stored;
            written = found;
            writtenAtKnown = false; // by another listener, or found at start: written again by the next idle commit
            pending = stored;
            recent.reset(found);
        }
        inCommit = 0;
        commitWriting = null;
        return r;
    }

    /** The commit being attempted, which wrote {@code checkpoint}, went through. */
    private void writtenBy(Checkpoint checkpoint) {
        written = checkpoint;
        writtenAtNanos = commitNanos;
        writtenAtKnown = true;
    }

    private Taken take(int n) {
        List<Held> first = held.subList(0, n);
        Taken taken = new Taken((int) first.stream().filter(Held::event).count(),
                first.stream().mapToLong(Held::bytes).sum());
        first.clear();
        return taken;
    }
}
