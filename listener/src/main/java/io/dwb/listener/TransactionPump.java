package io.dwb.listener;

import io.dwb.listener.EventStream.End;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EpochNanos;
import io.dwb.schemas.Gap;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.StateSnapshot;
import io.dwb.schemas.WatchMark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One subscription's events into Kafka transactions, on the publishing thread: drains the queue, lets the
 * {@link ContinuityCheck} decide what is new, sends events (a gap and the engine's state first when continuity is
 * not proven) and heartbeats in the open transaction, and commits it with the checkpoint last when the
 * {@link CommitPolicy} says so; returns once the subscription has ended (or a stop was requested) and everything it
 * read is committed. What it sends is held in {@link Uncommitted} until committed: when Kafka fails, the next
 * producer's pump publishes that first, then goes on with the same subscription, which kept reading into the queue.
 * Time is the injected monotonic clock: the only wait is the drain's, bounded by the next commit.
 */
final class TransactionPump {
    private static final Logger log = LoggerFactory.getLogger(TransactionPump.class);
    /** Where events come from: the bounded queue the reading thread fills ({@link EventQueue}). */
    interface EventSource {
        /** Moves up to {@code max} events into {@code into}, waiting up to {@code waitMillis} for the first. */
        int drainTo(List<CapturedEvent> into, int max, long waitMillis) throws InterruptedException;

        /** The pump is done with these events as drained: what it sends it {@link #hold}s until committed. */
        void release(List<CapturedEvent> taken);

        /** Bytes of events kept until Kafka commits them: they count against the queue's bound meanwhile. */
        void hold(long bytes);

        /** Kept bytes committed or dropped. */
        void release(long bytes);

        boolean isEmpty();
    }

    /** The engine subscription being read ({@link EventStream}). */
    interface Subscription {
        /** Why it ended, or null while it runs; once set, everything it read is in the queue. */
        End end();

        boolean connected();

        /** Wall-clock nanoseconds when the engine answered the subscription. */
        long openedAtNanos();

        void stop();
    }

    /** The engine's containers now, as the state records a gap is followed by (none if they cannot be read). */
    interface StateSource {
        List<StateSnapshot> take();
    }

    /** What a gap found by this subscription would be blamed on: the reason code and a sentence for people. */
    record GapCause(GapReason reason, String detail) {}

    private final EventSource queue;
    private final TransactionalPublisher publisher;
    private final TopicRecords records;
    private final ListenerMetrics metrics;
    private final StateSource state;
    private final HeartbeatClock heartbeats;
    private final WatchMarks watchMarks;
    /** Null where the heap is not the listener's alone (the standalone's). */
    private final IdleCollection idleCollection;
    private final CommitTiming commitTiming;
    private final Duration continuityWait;
    private final LongSupplier nanoClock;
    /** The wall clock, nanoseconds since the epoch: read once per commit, for the events' latency. */
    private final LongSupplier epochNanos;
    private final BooleanSupplier stopping;
    private final Runnable requestStop;
    /** Outlives this pump: what a failed transaction held is published again by the next producer's pump. */
    private final Uncommitted uncommitted;
    /** Outlives this pump: a transaction that took too long makes the next producer's smaller. */
    private final TransactionBudget budget;
    private final EventTimeWarning eventTimes = new EventTimeWarning();
    /** Outlives this pump: whether Kafka's return, and so the records published again, is said at INFO. */
    private final KafkaOutageReport outage;
    /** The heartbeat that says the listener is stopping was sent (in the last transaction of a stopped run). */
    private boolean saidStopping;

    /**
     * @param idleCollection the full collection once quiet after the heap grew; null for none
     * @param nanoClock   monotonic nanoseconds
     * @param stopping    whether a stop was requested (then the subscription is stopped and what it read committed)
     * @param requestStop asks for the stop, when the publishing thread is interrupted
     * @param outage      what the log says of Kafka outages (the level of "publishing again")
     * @param watchMarks  when a host with no event published yet has its watch mark written
     */
    TransactionPump(EventSource queue, TransactionalPublisher publisher, TopicRecords records, ListenerMetrics metrics,
                    Uncommitted uncommitted, TransactionBudget budget, StateSource state, HeartbeatClock heartbeats,
                    IdleCollection idleCollection, CommitTiming commitTiming,
                    Duration continuityWait, LongSupplier nanoClock, LongSupplier epochNanos, BooleanSupplier stopping,
                    Runnable requestStop, KafkaOutageReport outage, WatchMarks watchMarks) {
        this.queue = queue;
        this.publisher = publisher;
        this.records = records;
        this.metrics = metrics;
        this.state = state;
        this.heartbeats = heartbeats;
        this.watchMarks = watchMarks;
        this.idleCollection = idleCollection;
        this.commitTiming = commitTiming;
        this.continuityWait = continuityWait;
        this.nanoClock = nanoClock;
        this.epochNanos = epochNanos;
        this.stopping = stopping;
        this.requestStop = requestStop;
        this.uncommitted = uncommitted;
        this.budget = budget;
        this.outage = outage;
    }

    /**
     * Moves the subscription's events into transactions until it has ended and everything it read is committed. The
     * records {@link Uncommitted} holds from a failed transaction go first, in a new transaction. When Kafka fails,
     * what was drained is kept in {@link Uncommitted} and the failure thrown; the subscription is left open, its
     * events left in the queue: the caller builds a new producer and runs again with the same subscription and check.
     *
     * @param check the continuity check of the subscription's start (made with the checkpoint it resumed from), the
     *              same one when the run goes on after a Kafka failure
     * @return the checkpoint committed last
     */
    Checkpoint run(Subscription stream, ContinuityCheck check, GapCause cause) {
        return run(stream, check, cause, Level.INFO);
    }

    /**
     * {@link #run(Subscription, ContinuityCheck, GapCause)}, saying continuity proven at {@code resumedLevel}: DEBUG
     * after a full queue said at DEBUG ({@link QueueFullReport}).
     */
    Checkpoint run(Subscription stream, ContinuityCheck check, GapCause cause, Level resumedLevel) {
        List<CapturedEvent> drained = new ArrayList<>();
        int offered = 0;
        boolean released = true;
        long opened = nanoClock.getAsLong();
        CommitPolicy policy = new CommitPolicy(commitTiming, budget, opened);
        // The continuity wait counts from the last replayed event passed over on the way to the checkpointed one,
        // not only from the start: a replay still coming (a long one, a host short of CPU) is no quiet engine, and
        // taking it for one reported a false gap and published again what it replayed from before the checkpoint.
        // Events later than the checkpoint do not extend it: a live trickle would hold the decision, and them, off.
        long replayMoved = opened;
        boolean stopRequested = false;
        try {
            publishHeld(stream.connected());
            while (true) {
                if (stopping.getAsBoolean() && !stopRequested) {
                    log.info("stopping: disconnecting from the engine and committing what was read");
                    stream.stop();
                    stopRequested = true;
                }
                End end = stream.end(); // before draining: once set, everything read is already in the queue
                drained.clear();
                offered = 0;
                long wait = stopRequested || end != null ? 0
                        : waitMillis(publisher.sent() > 0, policy, check, replayMoved, nanoClock.getAsLong());
                int room = policy.room(publisher.sent());
                try {
                    if (room > 0) { // none: the open transaction (what was held) is full, committed this round
                        queue.drainTo(drained, room, wait);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requestStop.run();
                }
                released = drained.isEmpty();
                long passedOver = check.passedOver();
                while (offered < drained.size()) {
                    boolean wasDecided = check.decided();
                    CapturedEvent next = drained.get(offered++);
                    ContinuityCheck.Verdict verdict = check.offer(next);
                    // Its queued bytes stop counting now, before it is held (counted as held) and sent: the send
                    // blocks while the producer's buffer is full, and the whole batch counted twice meanwhile, the
                    // reader's offers refused at half --queue-bytes (a full queue, a gap).
                    queue.release(next.bytes());
                    if (!wasDecided && check.proven()) {
                        log.atLevel(resumedLevel).log(check.fromCheckpoint()
                                ? "resumed: the engine replayed the checkpointed event, continuity proven"
                                : "resumed: the engine still had events from before the listener began watching, "
                                        + "continuity proven");
                    }
                    sendLast(hold(verdict, cause));
                }
                released = true;
                long now = nanoClock.getAsLong();
                if (check.passedOver() > passedOver) {
                    replayMoved = now;
                }
                if (!check.decided() && !stopRequested && end == null
                        && now - replayMoved > continuityWait.toNanos()) {
                    sendLast(hold(check.expire(stream.openedAtNanos()), cause));
                }
                heartbeatIfDue(stream.connected(), now);
                boolean drainedAll = queue.isEmpty();
                boolean finished = (stopRequested || end != null) && drainedAll;
                if (idleCollection != null && !drained.isEmpty()) {
                    idleCollection.active(now);
                } else if (idleCollection != null && drainedAll && publisher.sent() == 0 && !finished) {
                    idleCollection.quiet(now);
                }
                if (finished && stopRequested && publisher.sent() > 0) {
                    sendLastHeartbeat(); // the last transaction of a requested stop carries it: no commit more
                }
                boolean commit = policy.due(now, publisher.sent(), publisher.openedNanos(), uncommitted.events() > 0,
                        drainedAll, finished);
                if (commit) {
                    commit(uncommitted.held().size());
                }
                policy.roundEnded(now, commit);
                if (finished) {
                    return uncommitted.committed();
                }
            }
        } catch (TransactionalPublisher.KafkaUnavailable e) {
            if (!released) {
                keepTheRest(check, drained, offered, cause);
            }
            throw e;
        }
    }

    /** Kafka failed amid a drain: the events drained and not yet offered are decided and held, in order. */
    private void keepTheRest(ContinuityCheck check, List<CapturedEvent> drained, int offered, GapCause cause) {
        for (int i = offered; i < drained.size(); i++) {
            queue.release(drained.get(i).bytes());
            hold(check.offer(drained.get(i)), cause);
        }
    }

    /**
     * Publishes and commits what a failed transaction held, without a subscription: the engine is away, and what was
     * read need not wait for it.
     */
    void commitHeld() {
        if (!uncommitted.isEmpty()) {
            publishHeld(false);
            commit(uncommitted.held().size());
        }
    }

    /**
     * While the engine is away (no subscription: it is unreachable, or being reconnected to), the heartbeat due at
     * {@code now}, if any, with {@code engineConnected} false, in a transaction of its own. Nothing is held then
     * ({@link #commitHeld} ran, or the subscription's run committed everything): the transaction is the heartbeat
     * alone, without a checkpoint unless one is still to write.
     */
    void heartbeatWhileAway(long now) {
        if (heartbeats.due(now)) {
            publishHeld(false); // nothing is held here; anything that were would go first, as in sayStopping
            publisher.send(records.heartbeat(heartbeats.heartbeat(false, uncommitted.pending())));
            commit(uncommitted.held().size());
        }
    }

    /**
     * The heartbeat that says the listener is stopping ({@link HeartbeatClock#last}), after what a failed transaction
     * still holds (a stop between a new producer's start and its first run), unless the last transaction of a stopped
     * subscription carried it already.
     */
    void sayStopping() {
        if (!saidStopping) {
            publishHeld(false); // else its checkpoint, past them, would be committed without them
            sendLastHeartbeat();
            commit(uncommitted.held().size());
        }
    }

    private void sendLastHeartbeat() {
        publisher.send(records.heartbeat(heartbeats.last(uncommitted.pending())));
        saidStopping = true;
    }

    /**
     * Commits the open transaction, which holds the first {@code n} records held, with the checkpoint of the last of
     * them with a time; they are then released.
     */
    private void commit(int n) {
        long commitStart = nanoClock.getAsLong();
        int records = publisher.sent();
        long opened = publisher.openedNanos();
        Checkpoint checkpoint = uncommitted.committing(n, commitStart);
        WatchMark mark = checkpoint == null ? watchMarks.due(uncommitted, commitStart) : null;
        if (mark != null) {
            publisher.send(this.records.watchMark(mark));
        }
        TransactionalPublisher.CommitTimes steps = publisher.commit(checkpoint);
        if (mark != null) {
            watchMarks.written(mark, commitStart);
        }
        long committed = nanoClock.getAsLong();
        budget.committed(records, committed - opened);
        long committedAt = epochNanos.getAsLong();
        metrics.transaction(committed - commitStart, steps, committedAt);
        for (Uncommitted.Held h : uncommitted.held().subList(0, n)) {
            if (h.event() && h.checkpoint() != null) { // engine time to committed, split where the listener read it
                metrics.committed(committedAt - h.checkpoint().timeNano(), committed - h.readNanos(),
                        committed - commitStart);
            }
        }
        Uncommitted.Taken done = uncommitted.commit();
        metrics.published(done.events());
        queue.release(done.bytes());
    }

    /**
     * The records held from a failed transaction, before anything new: in transactions of the {@link TransactionBudget}
     * at most, each but the last committed here with its checkpoint (the last stays open for new events to join),
     * a gap and its state records together when they fit one ({@link #partEnd}), and a heartbeat between them when one
     * is due (a long republish looked like a silent host). In one transaction, a backlog the broker takes too slowly
     * failed again at every retry.
     *
     * @param connected whether the engine subscription is open, for the heartbeats
     */
    private void publishHeld(boolean connected) {
        if (uncommitted.isEmpty()) {
            return;
        }
        if (uncommitted.events() > 0) {
            log.atLevel(outage.returnLevel()).log("publishing again the {} events read since checkpoint {} that Kafka "
                    + "did not commit{}",
                    uncommitted.events(), uncommitted.committed() == null ? "(none)"
                            : ContractJson.rfc3339(uncommitted.committed().timeNano()),
                    uncommitted.held().size() <= budget.records() ? ""
                            : ", in transactions of " + budget.records() + " records at most");
        }
        while (true) {
            List<Uncommitted.Held> held = uncommitted.held();
            int n = partEnd(held, budget.records());
            for (int i = 0; i < n; i++) {
                Uncommitted.Held h = held.get(i);
                // Stamped again by this send's clock and the topic's settings as last read: a broker that refused
                // the old stamps (this host's clock was off, since fixed; the topic's before.max.ms lowered) would
                // refuse them again at every retry, capture stuck until a restart. So would an event longer than a
                // lowered max.message.bytes: it goes as its stand-in, kept as such for any retry after this one.
                ProducerRecord<byte[], byte[]> again = records.again(h.record(), h.timeNano(), h.event());
                if (again.value() != h.record().value()) {
                    uncommitted.standIn(i, again.value());
                }
                publisher.send(again);
            }
            if (n == held.size()) {
                return;
            }
            commit(n);
            heartbeatIfDue(connected, nanoClock.getAsLong());
        }
    }

    /**
     * How many of the records held the next part of a republish takes: {@code budget} at most, ending before a gap
     * rather than between it and its state records when the gap and its state fit a part of their own (the contract
     * has them in one transaction when it can). A gap with more state records than the budget is split: its state
     * parts go in the transactions after it. Kept whole, such a group (a state of up to ~6 MB, each part up to ~1 MB)
     * outlived the commit's wait at every retry under a client quota, and nothing was published any more, heartbeats
     * included. Split, a crash between its transactions publishes the gap again at the next start (the checkpoint
     * moves with events only, so the gap is found again, with a new state), the first one's state incomplete.
     */
    private static int partEnd(List<Uncommitted.Held> held, int budget) {
        int n = Math.min(held.size(), budget);
        if (n == held.size() || held.get(n).event()) {
            return n;
        }
        int start = n; // n falls within a run of the listener's own records: a gap and its state
        while (start > 0 && !held.get(start - 1).event()) {
            start--;
        }
        int end = n;
        while (end < held.size() && !held.get(end).event()) {
            end++;
        }
        return start > 0 && end - start <= budget ? start : n;
    }

    /** Sends a heartbeat in the open transaction (or a new one) when one is due at {@code now}. */
    private void heartbeatIfDue(boolean connected, long now) {
        if (heartbeats.due(now)) {
            publisher.send(records.heartbeat(heartbeats.heartbeat(connected, uncommitted.pending())));
        }
    }

    /**
     * How long a drain may wait for a first event: until the open transaction's commit, the next heartbeat, the end
     * of the continuity wait or the idle collection, whichever comes first. Nothing else
     * needs this thread: a stop and the stream's end wake the drain ({@link EventQueue#wake}), so an idle listener
     * does not wake to look for them (once a second, it woke 60 times a minute; every transaction interval, ~400).
     */
    private long waitMillis(boolean transactionOpen, CommitPolicy policy, ContinuityCheck check, long replayMoved,
                            long now) {
        long until = Math.max(0, heartbeats.nanosUntilDue(now));
        if (transactionOpen) {
            // A heartbeat or a continuity decision due within a linger comes when due (the loop sends it), not after.
            until = Math.min(until, policy.waitMillis(now, publisher.openedNanos(), uncommitted.events() > 0)
                    * 1_000_000L);
        } else if (idleCollection != null) {
            until = Math.min(until, idleCollection.nanosUntilDue(now));
        }
        long wake = now + until;
        if (!check.decided()) {
            wake = Math.min(wake, replayMoved + continuityWait.toNanos() + 1);
        }
        return Math.max(1, (wake - now + 999_999) / 1_000_000); // rounded up: woken when due, not just before
    }

    /**
     * Holds a verdict's records in {@link Uncommitted}: its gap (logged, counted, with the engine's state) first, then
     * its events, whose bytes count against the queue's bound until committed. All are held before any is sent, so a
     * Kafka failure amid the sending loses none. Returns how many it held.
     */
    private int hold(ContinuityCheck.Verdict verdict, GapCause cause) {
        int held = 0;
        if (verdict.gap() != null) {
            ContinuityCheck.GapWindow w = verdict.gap();
            // An engine clock outside the contract's range (a host booted without one) would have the gap
            // dead-lettered, not alerted: it is given from the range's nearest time, and says so.
            long fromNano = EpochNanos.nearest(w.fromNano());
            long toNano = EpochNanos.nearest(w.toNano());
            String from = ContractJson.rfc3339(fromNano);
            String to = ContractJson.rfc3339(toNano);
            log.warn("gap: events between {} and {} may be lost ({}: {})", from, to, cause.reason().code(),
                    cause.detail());
            String notReplayed = w.lastEventId() != null ? "The engine did not replay the checkpointed event"
                    : "The engine replayed no event from before the listener began watching (no event read yet)";
            String outside = fromNano == w.fromNano() && toNano == w.toNano() ? ""
                    : " The engine's clock gave " + ContractJson.rfc3339(w.fromNano()) + " to "
                            + ContractJson.rfc3339(w.toNano()) + ", outside 2000-2100: is the host's clock set?";
            held += holdGap(new Gap(from, to, fromNano, toNano, cause.reason().code(), notReplayed
                    + " after " + cause.detail() + ": events between " + from + " and " + to + " may be lost."
                    + outside, w.lastEventId()));
        }
        for (CapturedEvent event : verdict.publish()) {
            eventTimes.published(event);
            uncommitted.hold(records.event(event), event);
            queue.hold(event.json().length);
            held++;
        }
        return held;
    }

    /** Sends the last {@code n} records held, in order. */
    private void sendLast(int n) {
        List<Uncommitted.Held> held = uncommitted.held();
        for (int i = held.size() - n; i < held.size(); i++) {
            publisher.send(held.get(i).record());
        }
    }

    /**
     * A gap record, counted, then the engine's state, held to go first in the next transaction (the caller's gap of
     * an unreadable checkpoint) or the open one; returns how many records it held.
     */
    int holdGap(Gap gap) {
        uncommitted.hold(records.gap(gap), gap.toNano());
        metrics.gap();
        int held = 1;
        for (StateSnapshot part : state.take()) {
            uncommitted.hold(records.state(part), part.timeNano());
            held++;
        }
        return held;
    }
}
