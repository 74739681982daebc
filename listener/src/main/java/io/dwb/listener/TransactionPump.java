package io.dwb.listener;

import io.dwb.listener.EventStream.End;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.StateSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription's events into Kafka transactions, on the publishing thread: drains the queue, lets the
 * {@link ContinuityCheck} decide what is new, sends events (a gap and the engine's state first when continuity is
 * not proven) and heartbeats in the open transaction, and commits it with the checkpoint last when the
 * {@link CommitPolicy} says so; returns once the subscription has ended (or a stop was requested) and everything it
 * read is committed. Time is the injected monotonic clock: the only wait is the drain's, bounded by the next commit.
 */
final class TransactionPump {
    private static final Logger log = LoggerFactory.getLogger(TransactionPump.class);
    /** Records per transaction at most, so one transaction stays small whatever the burst. */
    static final int MAX_BATCH = 5_000;
    /**
     * The longest wait for an event while no transaction is open: an idle listener wakes once a second (to notice a
     * stop or the end of the stream), not every transaction interval (which woke it ~400 times a minute).
     */
    static final long IDLE_WAIT_NANOS = 1_000_000_000L;

    /** Where events come from: the bounded queue the reading thread fills ({@link EventQueue}). */
    interface EventSource {
        /** Moves up to {@code max} events into {@code into}, waiting up to {@code waitMillis} for the first. */
        int drainTo(List<CapturedEvent> into, int max, long waitMillis) throws InterruptedException;

        /** The pump is done with these events: the producer holds copies of what was sent. */
        void release(List<CapturedEvent> taken);

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
    /** Null where the heap is not the listener's alone (the standalone's). */
    private final IdleCollection idleCollection;
    private final Duration transactionInterval;
    private final Duration continuityWait;
    private final LongSupplier nanoClock;
    /** The wall clock, nanoseconds since the epoch: read once per commit, for the events' latency. */
    private final LongSupplier epochNanos;
    private final BooleanSupplier stopping;
    private final Runnable requestStop;

    /**
     * @param idleCollection the full collection once quiet after the heap grew; null for none
     * @param nanoClock   monotonic nanoseconds
     * @param epochNanos  the wall clock, nanoseconds since the epoch (the events' publish latency)
     * @param stopping    whether a stop was requested (then the subscription is stopped and what it read committed)
     * @param requestStop asks for the stop, when the publishing thread is interrupted
     */
    TransactionPump(EventSource queue, TransactionalPublisher publisher, TopicRecords records, ListenerMetrics metrics,
                    StateSource state, HeartbeatClock heartbeats, IdleCollection idleCollection,
                    Duration transactionInterval,
                    Duration continuityWait, LongSupplier nanoClock, LongSupplier epochNanos, BooleanSupplier stopping,
                    Runnable requestStop) {
        this.queue = queue;
        this.publisher = publisher;
        this.records = records;
        this.metrics = metrics;
        this.state = state;
        this.heartbeats = heartbeats;
        this.idleCollection = idleCollection;
        this.transactionInterval = transactionInterval;
        this.continuityWait = continuityWait;
        this.nanoClock = nanoClock;
        this.epochNanos = epochNanos;
        this.stopping = stopping;
        this.requestStop = requestStop;
    }

    /**
     * Moves the subscription's events into transactions until it has ended and everything it read is committed.
     *
     * @param committed the checkpoint the subscription started from (null on a first start)
     * @return the checkpoint committed last
     */
    Checkpoint run(Subscription stream, Checkpoint committed, GapCause cause) {
        ContinuityCheck check = new ContinuityCheck(committed);
        OpenTransaction transaction = new OpenTransaction(committed);
        EventTimes sentTimes = new EventTimes();
        List<CapturedEvent> drained = new ArrayList<>();
        long opened = nanoClock.getAsLong();
        CommitPolicy policy = new CommitPolicy(transactionInterval, MAX_BATCH, opened);
        boolean stopRequested = false;
        while (true) {
            if (stopping.getAsBoolean() && !stopRequested) {
                log.info("stopping: disconnecting from the engine and committing what was read");
                stream.stop();
                stopRequested = true;
            }
            End end = stream.end(); // before draining: once set, everything read is already in the queue
            drained.clear();
            long wait = stopRequested || end != null ? 0
                    : waitMillis(publisher.sent() > 0, policy, check, opened, nanoClock.getAsLong());
            try {
                queue.drainTo(drained, policy.room(publisher.sent()), wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                requestStop.run();
            }
            for (CapturedEvent event : drained) {
                boolean wasDecided = check.decided();
                ContinuityCheck.Verdict verdict = check.offer(event);
                if (!wasDecided && check.proven()) {
                    log.info("resumed: the engine replayed the checkpointed event, continuity proven");
                }
                send(verdict, transaction, cause, sentTimes);
            }
            queue.release(drained);
            long now = nanoClock.getAsLong();
            if (!check.decided() && !stopRequested && end == null && now - opened > continuityWait.toNanos()) {
                send(check.expire(stream.openedAtNanos()), transaction, cause, sentTimes);
            }
            if (heartbeats.due(now)) {
                publisher.send(records.heartbeat(heartbeats.heartbeat(stream.connected(), transaction.pending())));
            }
            boolean drainedAll = queue.isEmpty();
            boolean finished = (stopRequested || end != null) && drainedAll;
            if (idleCollection != null && !drained.isEmpty()) {
                idleCollection.active(now);
            } else if (idleCollection != null && drainedAll && publisher.sent() == 0 && !finished) {
                idleCollection.quiet(now);
            }
            boolean commit = policy.due(now, publisher.sent(), drainedAll);
            if (commit) {
                long commitStart = nanoClock.getAsLong();
                publisher.commit(transaction.checkpointToWrite());
                metrics.transaction(nanoClock.getAsLong() - commitStart);
                metrics.published(transaction.commit());
                sentTimes.committed(epochNanos.getAsLong(), metrics::publishLatency);
            }
            policy.roundEnded(now, commit);
            if (finished) {
                return transaction.committed();
            }
        }
    }

    /**
     * How long a drain may wait for a first event: until the open transaction's commit; with none open, until the
     * next heartbeat, the end of the continuity wait, or a second from now, whichever comes first.
     */
    private long waitMillis(boolean transactionOpen, CommitPolicy policy, ContinuityCheck check, long opened,
                            long now) {
        if (transactionOpen) {
            return policy.waitMillis(now);
        }
        long wake = now + Math.min(IDLE_WAIT_NANOS, Math.max(0, heartbeats.nanosUntilDue(now)));
        if (!check.decided()) {
            wake = Math.min(wake, opened + continuityWait.toNanos() + 1);
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(wake - now));
    }

    /** Sends a verdict's records: its gap (with the engine's state) first, then its events. */
    private void send(ContinuityCheck.Verdict verdict, OpenTransaction transaction, GapCause cause,
                      EventTimes sentTimes) {
        if (verdict.gap() != null) {
            ContinuityCheck.GapWindow w = verdict.gap();
            String from = ContractJson.rfc3339(w.fromNano());
            String to = ContractJson.rfc3339(w.toNano());
            log.warn("gap: events between {} and {} may be lost ({}: {})", from, to, cause.reason().code(),
                    cause.detail());
            publishGap(new Gap(from, to, w.fromNano(), w.toNano(), cause.reason().code(), "The engine did not "
                    + "replay the checkpointed event after " + cause.detail() + ": events between " + from + " and "
                    + to + " may be lost.", w.lastEventId()));
        }
        CapturedEvent last = null;
        for (CapturedEvent event : verdict.publish()) {
            publisher.send(records.event(event));
            if (event.identity().timeNano() != null) {
                sentTimes.add(event.identity().timeNano());
                last = event;
            }
        }
        transaction.sent(verdict.publish().size(),
                last == null ? null : new Checkpoint(last.identity().timeNano(), last.id()));
    }

    /** A gap record, counted, then the engine's state, in the open transaction. */
    void publishGap(Gap gap) {
        publisher.send(records.gap(gap));
        metrics.gap();
        for (StateSnapshot part : state.take()) {
            publisher.send(records.state(part));
        }
    }
}
