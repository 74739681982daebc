package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.dwb.listener.EventStream.End;
import io.dwb.listener.EventStream.EndReason;
import io.dwb.listener.TransactionPump.GapCause;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.Gap;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.StateSnapshot;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.slf4j.LoggerFactory;

/**
 * The capture loop's transaction rules, under the process tests and in milliseconds: Kafka's MockProducer, a queue
 * scripted round by round, and a fake monotonic clock that a drain's wait moves forward instead of sleeping (as
 * OkHttp's TaskFaker does), so "an interval passed" costs nothing.
 */
// A pump that never sends what it holds loops on its fake queue without blocking: the timeout's own thread makes that
// a failure instead of a hung build.
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class TransactionPumpTest {
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    /** When the pumps commit: the interval, no linger unless a test sets one. */
    private CommitTiming timing = new CommitTiming(INTERVAL, Duration.ZERO);
    private static final Duration CONTINUITY_WAIT = Duration.ofSeconds(5);
    private static final Duration HEARTBEAT = Duration.ofSeconds(30);
    private static final long T0 = 1_800_000_000_000_000_000L;
    private static final HostIdentity HOST = new HostIdentity("pump-host", "0123456789abcdef0123456789abcdef");
    /** A client quota on a shared cluster ({@code ThrottledTransactionTest}'s). */
    private static final long QUOTA_BYTES_PER_SECOND = 20_000;
    private static final GapCause CAUSE = new GapCause(GapReason.ENGINE_RESTARTED, "the engine restarted");

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final TransactionalPublisher publisher = new TransactionalPublisher(producer,
            new TopicRecords(HOST, "events", "checkpoints"), clock::get, 60_000);
    private final ScriptedQueue queue = new ScriptedQueue();
    private final ScriptedSubscription stream = new ScriptedSubscription();
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** The wall clock: still, so that each event's latency is known. */
    private final AtomicLong epochNanos = new AtomicLong(T0 + 5_000_000_000L);
    private final ListenerMetrics metrics = new ListenerMetrics(queue::size);
    private final TransactionBudget budget = new TransactionBudget(Duration.ofSeconds(30));

    /** One subscription run from {@code committed}, a first start when null. */
    private Checkpoint run(Checkpoint committed) {
        Uncommitted uncommitted = new Uncommitted(committed);
        return pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE);
    }

    /** The continuity check of a subscription resuming from where {@code uncommitted} says, as the capture loop's. */
    private static ContinuityCheck check(Uncommitted uncommitted) {
        return new ContinuityCheck(uncommitted.pending(), uncommitted.published(),
                ContinuityCheck.Replay.SINCE_CHECKPOINT);
    }

    private TransactionPump pump(TransactionalPublisher publisher, Uncommitted uncommitted) {
        return pump(publisher, uncommitted, (IdleCollection) null);
    }

    private TransactionPump pump(TransactionalPublisher publisher, Uncommitted uncommitted, TopicRecords records) {
        return pump(publisher, uncommitted, null, records);
    }

    private TransactionPump pump(TransactionalPublisher publisher, Uncommitted uncommitted,
                                 IdleCollection idleCollection) {
        return pump(publisher, uncommitted, idleCollection, new TopicRecords(HOST, "events", "checkpoints"));
    }

    private TransactionPump pump(TransactionalPublisher publisher, Uncommitted uncommitted,
                                 IdleCollection idleCollection, TopicRecords records) {
        StateSnapshot state = new StateSnapshot(ContractJson.rfc3339(T0), T0, "snap", 1, 1,
                JsonNodeFactory.instance.arrayNode());
        return pump(publisher, uncommitted, idleCollection, records, () -> List.of(state));
    }

    private TransactionPump pump(TransactionalPublisher publisher, Uncommitted uncommitted,
                                 IdleCollection idleCollection, TopicRecords records,
                                 TransactionPump.StateSource state) {
        publisher.init();
        return new TransactionPump(queue, publisher, records, metrics, uncommitted, budget, state,
                new HeartbeatClock(HEARTBEAT, clock.get(), () -> T0 + clock.get()), idleCollection, timing,
                CONTINUITY_WAIT,
                clock::get, epochNanos::get, stopping::get, () -> stopping.set(true),
                new KafkaOutageReport(LoggerFactory.getLogger(TransactionPumpTest.class), clock::get),
                new WatchMarks(java.util.OptionalLong::empty));
    }

    /**
     * While the pump sends a batch it drained (the producer's send blocks while its buffer is full: Kafka slow), each
     * event of it counted twice against --queue-bytes, as drained and as held, until the whole batch was sent: the
     * reader's offers were refused at about half the bound, and the stream ended for a full queue (a gap, past the
     * engine's buffer). Each counts once: as held, from when it is.
     */
    @Test
    void eventsBeingSentCountOnceAgainstTheQueuesBytes() {
        List<CapturedEvent> batch = java.util.stream.IntStream.rangeClosed(1, 5).mapToObj(n -> largeEvent(n, 1000,
                1_000_000)).toList();
        long eventBytes = batch.get(0).bytes();
        EventQueue real = new EventQueue(100, 10 * eventBytes);
        batch.forEach(e -> assertThat(real.offer(e)).isTrue());
        List<Boolean> offersWhileSending = new ArrayList<>();
        MockProducer<byte[], byte[]> sending = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            private int eventsSent;

            @Override
            public synchronized java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r,
                                                                               org.apache.kafka.clients.producer
                                                                                       .Callback callback) {
                if (isEvent(r) && ++eventsSent == 5) {
                    // The reader, while the batch's last event is sent: four more, half the bound free.
                    offersWhileSending.add(real.offer(largeEvent(6, 4 * 1000, 1_000_000)));
                }
                return super.send(r, callback);
            }
        };
        TransactionalPublisher publisher = new TransactionalPublisher(sending,
                new TopicRecords(HOST, "events", "checkpoints"), clock::get, 60_000);
        publisher.init();
        TransactionPump.Subscription ends = new TransactionPump.Subscription() {
            @Override
            public End end() {
                return offersWhileSending.isEmpty() ? null : new End(EndReason.ENGINE_CLOSED, "closed");
            }

            @Override
            public boolean connected() {
                return true;
            }

            @Override
            public long openedAtNanos() {
                return T0;
            }

            @Override
            public void stop() {
            }
        };
        Uncommitted uncommitted = new Uncommitted(null);
        StateSnapshot state = new StateSnapshot(ContractJson.rfc3339(T0), T0, "snap", 1, 1,
                JsonNodeFactory.instance.arrayNode());
        new TransactionPump(real, publisher, new TopicRecords(HOST, "events", "checkpoints"), metrics, uncommitted,
                budget, () -> List.of(state), new HeartbeatClock(HEARTBEAT, clock.get(), () -> T0 + clock.get()),
                null, timing, CONTINUITY_WAIT, clock::get, epochNanos::get, stopping::get, () -> stopping.set(true),
                new KafkaOutageReport(LoggerFactory.getLogger(TransactionPumpTest.class), clock::get),
                new WatchMarks(java.util.OptionalLong::empty)).run(ends, check(uncommitted), CAUSE);

        assertThat(offersWhileSending).as("the reader's offer while the batch was sent").containsExactly(true);
        assertThat(sending.history().stream().filter(TransactionPumpTest::isEvent).count()).as("all published")
                .isEqualTo(6);
        assertThat(real.bytes()).as("nothing counted once committed").isZero();
    }

    private static boolean isEvent(ProducerRecord<byte[], byte[]> r) {
        return "event".equals(HeaderNames.read(r.headers(), HeaderNames.KIND));
    }

    @Test
    void eventsOfAQuietEngineAreCommittedAtOnceWithTheCheckpointLast() {
        queue.round(event(1), event(2), event(3));
        queue.roundWoken(() -> assertThat(producer.commitCount()).as("committed before waiting for more")
                .isEqualTo(1)); // then the stream ends
        stream.endAfter(queue);

        Checkpoint last = run(null);

        assertThat(kinds(producer.history())).containsExactly("event 1", "event 2", "event 3", "checkpoint 3");
        assertThat(last).isEqualTo(checkpoint(3));
    }

    @Test
    void anIdlePumpWaitsForItsIdleCollectionAndItsHeartbeatsNotASecondAtATime() {
        AtomicLong heap = new AtomicLong(32L << 20);
        List<Long> collectedAt = new ArrayList<>();
        IdleCollection idle = new IdleCollection(heap::get, () -> {
            collectedAt.add(clock.get());
            heap.set(8L << 20);
        }, IdleCollection.QUIET, clock.get());
        long start = clock.get();
        queue.round(event(1));
        queue.round(); // nothing: the heap grew, so the next thing due is its collection, 5 s after the event
        queue.round(); // nothing: then the heartbeat, 30 s after the start
        queue.round(); // nothing: then the next heartbeat
        stream.endAfter(queue);

        Uncommitted uncommitted = new Uncommitted(null);
        pump(publisher, uncommitted, idle).run(stream, check(uncommitted), CAUSE);

        assertThat(collectedAt).containsExactly(start + IdleCollection.QUIET.toNanos());
        assertThat(queue.waits).as("a stop or the stream's end wakes the drain: no wait for them")
                .startsWith(5_000L, 5_000L, 25_000L, 30_000L);
        assertThat(kinds(producer.history())).containsExactly("event 1", "checkpoint 1", "heartbeat", "heartbeat");
    }

    /**
     * A quiet host's checkpoint, written only when an event moved it, fell behind everything the other hosts of its
     * partition wrote since, and its listener's lookup (every start, every Kafka failure) read all that back. An idle
     * listener writes it again, the same record, in its first heartbeat transaction once it went unwritten for
     * {@link Uncommitted#REWRITE_AFTER}: every tenth heartbeat at 30 s, not one before.
     */
    @Test
    void anIdleListenersHeartbeatTransactionWritesItsCheckpointAgainOnceItWentUnwrittenForTheInterval() {
        assertThat(Uncommitted.REWRITE_AFTER).isEqualTo(HEARTBEAT.multipliedBy(10));
        queue.round(event(1));
        for (int i = 0; i < 21; i++) {
            queue.round(); // nothing: the next heartbeat, 30 s on
        }
        stream.endAfter(queue);

        run(null);

        List<String> expected = new ArrayList<>(List.of("event 1", "checkpoint 1"));
        for (int heartbeat = 1; heartbeat <= 21; heartbeat++) {
            expected.add("heartbeat");
            if (heartbeat % 10 == 0) { // 300 s, 600 s after the event's commit
                expected.add("checkpoint 1");
            }
        }
        assertThat(kinds(producer.history())).containsExactlyElementsOf(expected);
        List<byte[]> checkpoints = producer.history().stream().filter(r -> r.topic().equals("checkpoints"))
                .map(ProducerRecord::value).toList();
        assertThat(checkpoints).as("the checkpoint committed, exactly, its recent events too").hasSize(3)
                .allSatisfy(c -> assertThat(c).isEqualTo(checkpoints.get(0)));
        assertThat(producer.commitCount()).as("in the heartbeats' own transactions: no commit more").isEqualTo(22);
    }

    /**
     * The checkpoint a start found (when it was written is unknown: maybe long ago, behind a partition's worth of
     * other hosts' checkpoints) is written again, as found, by the first heartbeat's transaction, not an interval
     * later: the next start (a crash loop, a rolling restart) finds it near the end.
     */
    @Test
    void theCheckpointAStartFoundIsWrittenAgainAsFoundByItsFirstHeartbeatTransaction() {
        Checkpoint found = new Checkpoint(checkpoint(7).timeNano(), checkpoint(7).eventId(),
                new Checkpoint.Recent(checkpoint(7).timeNano(), checkpoint(7).timeNano(),
                        List.of(Checkpoint.Recent.idOf(checkpoint(7).eventId()))));
        Uncommitted uncommitted = new Uncommitted(null);
        uncommitted.reconcile(found);
        queue.round(event(7)); // the replay proves continuity: nothing to publish
        queue.round(); // nothing: the heartbeat
        queue.round(); // nothing: the next one
        stream.endAfter(queue);

        pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE);

        assertThat(kinds(producer.history())).containsExactly("heartbeat", "checkpoint 7", "heartbeat");
        assertThat(ContractJson.read(producer.history().get(1).value(), Checkpoint.class)).isEqualTo(found);
    }

    @Test
    void eachCommittedEventIsMeasuredFromItsEngineTimeToTheCommit() {
        queue.round(event(1), event(2), event(3));
        stream.endAfter(queue);

        run(null);

        HistogramSnapshot.HistogramDataPointSnapshot latency = publishLatency();
        assertThat(latency.getCount()).isEqualTo(3);
        assertThat(latency.getSum()).as("4 s, 3 s and 2 s").isEqualTo(9.0);
        assertThat(cumulative(latency, 1.0)).isZero();
        assertThat(cumulative(latency, 2.5)).isEqualTo(1);
        assertThat(cumulative(latency, 5.0)).isEqualTo(3);
    }

    @Test
    void anEventsLatencyIsSplitWhereTheListenerReadItAndWhereItsCommitBegan() {
        // Records are acknowledged when the commit flushes them (autoComplete off), 50 ms into it, and the
        // transaction ends 20 ms after that.
        MockProducer<byte[], byte[]> slowAcks = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized void flush() {
                super.flush();
                clock.addAndGet(20_000_000L);
            }

            @Override
            public synchronized void commitTransaction() {
                clock.addAndGet(50_000_000L);
                super.commitTransaction();
            }
        };
        queue.round(event(1, clock.get() - 300_000_000L)); // read 300 ms before the pump takes it
        stream.endAfter(queue);
        Uncommitted firstStart = new Uncommitted(null);

        pump(new TransactionalPublisher(slowAcks, new TopicRecords(HOST, "events", "checkpoints"), clock::get,
                60_000), firstStart).run(stream, check(firstStart), CAUSE);

        assertThat(histogram("dwb_listener_publish_latency_seconds").getSum()).as("engine time to committed: "
                + "T0 + 1 s to T0 + 5 s").isEqualTo(4.0);
        assertThat(histogram("dwb_listener_commit_wait_seconds").getSum()).isCloseTo(0.3, within(1e-9));
        assertThat(histogram("dwb_listener_commit_step_duration_seconds", "records").getSum())
                .isCloseTo(0.05, within(1e-9));
        assertThat(histogram("dwb_listener_commit_step_duration_seconds", "end").getSum())
                .isCloseTo(0.02, within(1e-9));
        assertThat(histogram("dwb_listener_read_latency_seconds").getSum()).as("the rest is before the read")
                .isCloseTo(4.0 - 0.3 - 0.05 - 0.02, within(1e-9));
    }

    @Test
    void whileEventsKeepComingTheTransactionGrowsToTheInterval() {
        for (int i = 1; i <= 12; i++) {
            int n = i;
            queue.roundStillBusy(100, event(n)); // the queue is not empty after each drain, 100 ms apart
        }
        stream.endAfter(queue);

        run(null);

        assertThat(producer.commitCount()).as("one commit per interval, then the end's").isEqualTo(2);
        List<String> kinds = kinds(producer.history());
        assertThat(kinds.indexOf("checkpoint 10")).as("the first commit, after 1 s of events").isEqualTo(10);
        assertThat(kinds).endsWith("event 11", "event 12", "checkpoint 12");
    }

    @Test
    void eventsThatComeOneAtATimeAreATransactionEachWithoutALinger() {
        queue.round(event(1));
        queue.roundAfter(300, event(2));
        queue.roundAfter(300, event(3));
        stream.endAfter(queue);

        run(null);

        assertThat(producer.commitCount()).isEqualTo(3);
    }

    /**
     * --transaction-linger: a fleet's hosts whose events come one at a time (a health check's exec events) made a
     * transaction each, each two commit markers and writes to the transaction coordinators.
     */
    @Test
    void eventsThatComeOneAtATimeWithinTheLingerShareOneTransaction() {
        timing = new CommitTiming(INTERVAL, Duration.ofMillis(1_000));
        queue.round(event(1));
        queue.roundAfter(300, event(2));
        queue.roundAfter(300, event(3));
        queue.round(); // quiet: the drain waits out the linger
        queue.roundWoken(() -> assertThat(producer.commitCount()).as("committed once the linger ended")
                .isEqualTo(1));
        stream.endAfter(queue);

        run(null);

        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(kinds(producer.history())).containsExactly("event 1", "event 2", "event 3", "checkpoint 3");
        assertThat(queue.waits.get(3)).as("the quiet drain waits for the rest of the linger, not 1 ms at a time")
                .isEqualTo(400);
    }

    @Test
    void theEndOfTheStreamCommitsAtOnceWhateverTheLinger() {
        timing = new CommitTiming(INTERVAL, Duration.ofSeconds(10));
        queue.round(event(1));
        stream.endAfter(queue);
        long start = clock.get();

        run(null);

        assertThat(producer.commitCount()).isEqualTo(1);
        assertThat(clock.get() - start).as("no wait for the linger").isLessThan(1_000_000_000L);
    }

    @Test
    void aStopCommitsAtOnceWhateverTheLinger() {
        timing = new CommitTiming(INTERVAL, Duration.ofSeconds(10));
        queue.round(event(1));
        queue.roundWoken(() -> stopping.set(true));
        long start = clock.get();

        run(null);

        assertThat(stream.stopped).isTrue();
        assertThat(kinds(producer.history())).containsExactly("event 1", "heartbeat", "checkpoint 1");
        assertThat(clock.get() - start).as("no wait for the linger").isLessThan(1_000_000_000L);
    }

    /** The forwarders judge a host's silence by its heartbeats: one alone is committed at once, linger or not. */
    @Test
    void aHeartbeatAloneIsNotHeldByTheLinger() {
        timing = new CommitTiming(INTERVAL, Duration.ofSeconds(10));
        queue.round(); // nothing until the continuity wait is over: the gap
        queue.round(); // nothing until the heartbeat
        queue.roundWoken(() -> {
            assertThat(kinds(producer.history())).as("the gap's transaction, then the heartbeat's")
                    .containsExactly("gap", "state", "checkpoint 4", "heartbeat");
            assertThat(producer.commitCount()).as("each committed when sent").isEqualTo(2);
        });
        stream.endAfter(queue);

        run(checkpoint(4));
    }

    /** A linger longer than the interval: events keep coming, and the transaction commits when the linger ends. */
    @Test
    void aLingerLongerThanTheIntervalHoldsEventsThatKeepComingForTheLinger() {
        timing = new CommitTiming(INTERVAL, Duration.ofMillis(1_500));
        for (int i = 1; i <= 20; i++) {
            queue.roundStillBusy(100, event(i)); // the queue is not empty after each drain, 100 ms apart
        }
        stream.endAfter(queue);

        run(null);

        List<String> kinds = kinds(producer.history());
        assertThat(kinds.indexOf("checkpoint 16")).as("the first commit, 1.5 s after the first event")
                .isEqualTo(16);
        assertThat(kinds).endsWith("event 20", "checkpoint 20");
        assertThat(producer.commitCount()).isEqualTo(2);
    }

    @Test
    void aBurstIsCutIntoTransactionsOfAtMostMaxBatchRecords() {
        List<CapturedEvent> burst = new ArrayList<>();
        for (int i = 1; i <= 12_000; i++) {
            burst.add(event(i));
        }
        queue.available(burst);
        stream.endAfter(queue);

        run(null);

        assertThat(producer.commitCount()).isEqualTo(3);
        List<String> kinds = kinds(producer.history());
        assertThat(kinds).hasSize(12_003);
        assertThat(kinds.get(TransactionBudget.MAX_RECORDS)).isEqualTo("checkpoint " + TransactionBudget.MAX_RECORDS);
        assertThat(kinds.get(2 * TransactionBudget.MAX_RECORDS + 1)).isEqualTo("checkpoint 10000");
        assertThat(kinds.get(12_002)).isEqualTo("checkpoint 12000");
    }

    @Test
    void aResumeThatProvesNothingWithinTheContinuityWaitPublishesAGapThenTheState() {
        Checkpoint committed = checkpoint(7);
        stream.openedAt = T0 + 20 * 1_000_000_000L;
        queue.round(); // a quiet engine: the drain waits on the fake clock until the continuity wait is over
        queue.round(event(30));
        stream.endAfter(queue);

        Checkpoint last = run(committed);

        // The gap's transaction moves nothing: it writes again the checkpoint the start found, as the first heartbeat
        // would have.
        assertThat(kinds(producer.history())).containsExactly("gap", "state", "checkpoint 7", "event 30",
                "checkpoint 30");
        assertThat(new String(producer.history().get(0).value(), StandardCharsets.UTF_8))
                .contains("\"reason\":\"engine-restarted\"").contains("after the engine restarted")
                .contains("\"toNano\":" + stream.openedAt);
        assertThat(last).isEqualTo(checkpoint(30));
    }

    @Test
    void theCheckpointedEventReplayedProvesContinuityAndNothingBeforeItIsPublishedAgain() {
        queue.round(event(6), event(7), event(8));
        stream.endAfter(queue);

        run(checkpoint(7));

        assertThat(kinds(producer.history())).containsExactly("event 8", "checkpoint 8");
        assertThat(publishLatency().getCount()).as("the replayed events are not published again").isEqualTo(1);
    }

    /**
     * A replay that takes longer than the continuity wait to reach the checkpointed event (a long one, a host short of
     * CPU), its events coming closer together than the wait: no quiet engine. Timed from the subscription's start,
     * the wait ran out first: a false gap, and the replayed events from before the checkpoint published again.
     */
    @Test
    void aReplayStillComingIsWaitedForHoweverLongItTakesToReachTheCheckpointedEvent() {
        long step = CONTINUITY_WAIT.toMillis() * 2 / 3;
        for (int n = 1; n <= 7; n++) {
            queue.roundStillBusy(step, event(n)); // 7 rounds, 4.7 waits in all
        }
        queue.round(event(8));
        stream.endAfter(queue);

        run(checkpoint(7));

        assertThat(kinds(producer.history())).containsExactly("event 8", "checkpoint 8");
    }

    /**
     * Events later than the checkpoint (live ones, the engine having forgotten the checkpointed event), within the
     * second in which one may still come before it: held, and they do not extend the wait, which a trickle of them
     * would do for ever, holding them all.
     */
    @Test
    void eventsLaterThanTheCheckpointDoNotExtendTheContinuityWait() {
        long step = CONTINUITY_WAIT.toMillis() * 2 / 3;
        for (int n = 0; n < 4; n++) {
            queue.roundStillBusy(step, eventNear(20 + n, 7_100_000_000L + n * 100_000_000L));
        }
        queue.round();
        stream.endAfter(queue);

        run(checkpoint(7));

        List<String> kinds = kinds(producer.history());
        assertThat(kinds.subList(0, 2)).as("a gap once the wait ran out, 3.3 s after the second event")
                .containsExactly("gap", "state");
        assertThat(kinds).containsSubsequence("event 20", "event 21", "event 22", "event 23");
        assertThat(kinds.stream().filter(k -> k.startsWith("event"))).hasSize(4);
        assertThat(kinds.subList(0, kinds.indexOf("checkpoint 7")))
                .as("the gap decided and committed before the trickle's third event, not held behind it")
                .doesNotContain("event 22", "event 23");
    }

    @Test
    void aHeartbeatIsSentAndCommittedWhenDueEvenWithoutEvents() {
        queue.round(); // nothing until the continuity wait is over: the gap
        queue.round(); // nothing until the heartbeat
        stream.endAfter(queue);

        run(checkpoint(4));

        assertThat(kinds(producer.history())).startsWith("gap", "state").contains("heartbeat");
        String heartbeat = new String(producer.history().get(kinds(producer.history()).indexOf("heartbeat"))
                .value(), StandardCharsets.UTF_8);
        assertThat(heartbeat).contains("\"engineConnected\":true").contains("\"intervalSeconds\":30");
    }

    @Test
    void aStopDisconnectsAndCommitsEverythingAlreadyRead() {
        queue.round(event(1));
        queue.roundWoken(() -> stopping.set(true));
        queue.available(List.of(event(2), event(3)));

        Uncommitted uncommitted = new Uncommitted(null);
        TransactionPump pump = pump(publisher, uncommitted);
        Checkpoint last = pump.run(stream, check(uncommitted), CAUSE);

        assertThat(stream.stopped).isTrue();
        assertThat(kinds(producer.history())).as("the last transaction says the listener stops: no commit more")
                .containsExactly("event 1", "checkpoint 1", "event 2", "event 3", "heartbeat", "checkpoint 3");
        assertThat(new String(producer.history().get(4).value(), StandardCharsets.UTF_8))
                .contains("\"stopping\":true", "\"lastEventNano\":" + checkpoint(3).timeNano());
        assertThat(last).isEqualTo(checkpoint(3));
        pump.sayStopping();
        assertThat(producer.history()).as("said once").hasSize(6);
    }

    /**
     * A stop between a new producer's start and its first run (what a failed transaction held not yet published
     * again): the last heartbeat's transaction carries them first. Without them, it committed their checkpoint alone:
     * the next start resumed past events never published, without a gap.
     */
    @Test
    void aStopWithRecordsHeldFromAFailedTransactionPublishesThemBeforeTheLastHeartbeat() {
        queue.round(event(1), event(2));
        stream.endAfter(queue);
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        producer.commitTransactionException = new TimeoutException("no answer");
        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE));
        assertThat(uncommitted.events()).isEqualTo(2);
        MockProducer<byte[], byte[]> next = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());

        pump(publisherOver(next), uncommitted).sayStopping();

        assertThat(kinds(next.history())).containsExactly("gap", "state", "event 1", "event 2", "heartbeat",
                "checkpoint 2");
        assertThat(uncommitted.isEmpty()).isTrue();
    }

    /** A stop with nothing left to commit (the engine away, an idle stream): the last heartbeat on its own. */
    @Test
    void aStopWithNothingToCommitSaysItInATransactionOfItsOwn() {
        queue.round(event(1));
        queue.roundWoken(() -> stopping.set(true));
        Uncommitted uncommitted = new Uncommitted(null);
        TransactionPump pump = pump(publisher, uncommitted);
        pump.run(stream, check(uncommitted), CAUSE);
        assertThat(kinds(producer.history())).containsExactly("event 1", "checkpoint 1");

        pump.sayStopping();

        assertThat(kinds(producer.history())).containsExactly("event 1", "checkpoint 1", "heartbeat");
        assertThat(new String(producer.history().get(2).value(), StandardCharsets.UTF_8))
                .contains("\"stopping\":true", "\"engineConnected\":false");
    }

    /**
     * While the engine is away the listener still commits a heartbeat every interval, each a transaction: counted as
     * every commit is. They were not (the capture loop committed them on the publisher itself), so
     * dwb_listener_transactions_total stood still through an engine outage with Kafka taking every heartbeat, and
     * DwbListenerStalled, "neither events nor heartbeats reach Kafka", said otherwise.
     */
    @Test
    void aHeartbeatWhileTheEngineIsAwayIsATransactionCounted() {
        queue.round(event(1));
        stream.endAfter(queue);
        Uncommitted uncommitted = new Uncommitted(null);
        TransactionPump pump = pump(publisher, uncommitted);
        pump.run(stream, check(uncommitted), CAUSE);
        double before = transactions();

        pump.heartbeatWhileAway(clock.get()); // the interval has not passed
        assertThat(producer.commitCount()).as("nothing due").isEqualTo(1);
        clock.addAndGet(HEARTBEAT.toNanos());
        pump.heartbeatWhileAway(clock.get());
        clock.addAndGet(HEARTBEAT.toNanos());
        pump.heartbeatWhileAway(clock.get());

        assertThat(kinds(producer.history())).containsExactly("event 1", "checkpoint 1", "heartbeat", "heartbeat");
        assertThat(producer.commitCount()).isEqualTo(3);
        assertThat(new String(producer.history().get(2).value(), StandardCharsets.UTF_8))
                .contains("\"engineConnected\":false");
        assertThat(transactions() - before).as("each heartbeat's transaction counted").isEqualTo(2);
        assertThat(histogram("dwb_listener_commit_duration_seconds").getCount()).as("and timed").isEqualTo(3);
    }

    /**
     * Each commit, a heartbeat's alone included, moves dwb_listener_last_commit_timestamp_seconds to the wall clock's
     * time of its end: DwbListenerStalled's clock, against three heartbeat intervals.
     */
    @Test
    void eachCommitIsTheLastCommitsTime() {
        queue.round(event(1));
        stream.endAfter(queue);
        Uncommitted uncommitted = new Uncommitted(null);
        TransactionPump pump = pump(publisher, uncommitted);
        pump.run(stream, check(uncommitted), CAUSE);
        assertThat(lastCommit()).as("the event's transaction").isEqualTo(epochNanos.get() / 1e9);

        clock.addAndGet(HEARTBEAT.toNanos());
        epochNanos.addAndGet(HEARTBEAT.toNanos());
        pump.heartbeatWhileAway(clock.get());

        assertThat(producer.commitCount()).isEqualTo(2);
        assertThat(lastCommit()).as("the heartbeat's").isEqualTo((T0 + 35_000_000_000L) / 1e9);
    }

    private double lastCommit() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_listener_last_commit_timestamp_seconds"))
                .flatMap(s -> ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) s).getDataPoints().stream())
                .findFirst().orElseThrow().getValue();
    }

    private double transactions() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_listener_transactions"))
                .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream()).findFirst().orElseThrow().getValue();
    }

    @Test
    void aFailedCommitPublishesNothingOfTheTransactionAndThrows() {
        queue.round(event(1), event(2));
        stream.endAfter(queue);
        producer.commitTransactionException = new TimeoutException("no answer");
        Throwable failure = catchThrowable(() -> run(checkpoint(0)));

        assertThat(failure).isInstanceOf(TransactionalPublisher.KafkaUnavailable.class);
        assertThat(producer.history()).as("read_committed readers see none of it").isEmpty();
        assertThat(publishLatency().getCount()).as("nothing published, nothing measured").isZero();
    }

    private HistogramSnapshot.HistogramDataPointSnapshot publishLatency() {
        return histogram("dwb_listener_publish_latency_seconds");
    }

    /** The listener's histogram {@code name}: its only data point, or the one whose label is {@code label}. */
    private HistogramSnapshot.HistogramDataPointSnapshot histogram(String name, String... label) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((HistogramSnapshot) s).getDataPoints().stream())
                .filter(p -> label.length == 0 || p.getLabels().getValue(0).equals(label[0])).findFirst()
                .orElseThrow();
    }

    /** Observations at most {@code upperBound} seconds. */
    private static long cumulative(HistogramSnapshot.HistogramDataPointSnapshot h, double upperBound) {
        long n = 0;
        for (ClassicHistogramBucket b : h.getClassicBuckets()) {
            if (b.getUpperBound() <= upperBound) {
                n += b.getCount();
            }
        }
        return n;
    }

    @Test
    void afterAFailedCommitTheNextProducerPublishesWhatWasReadOnceInOrderBeforeAnythingNew() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        queue.round(event(0), event(1), event(2)); // the replay proves continuity on event 0
        producer.commitTransactionException = new TimeoutException("no answer");

        Throwable failure = catchThrowable(() -> pump(publisher, uncommitted).run(stream, check, CAUSE));

        assertThat(failure).isInstanceOf(TransactionalPublisher.KafkaUnavailable.class);
        assertThat(stream.stopped).as("the subscription goes on reading while the producer is rebuilt").isFalse();
        assertThat(uncommitted.events()).isEqualTo(2);

        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        assertThat(uncommitted.reconcile(checkpoint(0)).outcome()).isEqualTo(Uncommitted.Reconciled.KEPT);
        queue.round(event(3), event(4)); // read while Kafka was away
        queue.round(event(5));
        stream.endAfter(queue);

        Checkpoint last = pump(publisherOver(rebuilt), uncommitted).run(stream, check, CAUSE);

        assertThat(kinds(rebuilt.history())).containsExactly("event 1", "event 2", "event 3", "event 4",
                "checkpoint 4", "event 5", "checkpoint 5");
        assertThat(last).isEqualTo(checkpoint(5));
    }

    /**
     * This host's clock two hours ahead of the broker's: the events' stamps (their own times) are refused, and the
     * commit fails. Once the clock is fixed, what was held is stamped again by the fixed clock; before, each retry
     * sent the refused stamps again, and capture stayed stuck until a restart.
     */
    @Test
    void recordsHeldAcrossARefusedCommitAreStampedAgainByTheClockOfTheirNewSend() {
        long twoHours = Duration.ofHours(2).toMillis();
        AtomicLong wallMillis = new AtomicLong(T0 / 1_000_000L); // the events' own clock: this host's
        TopicRecords stamped = new TopicRecords(HOST, "events", "checkpoints",
                new RecordTimestamps(3_600_000L, Long.MAX_VALUE, wallMillis::get));
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        queue.round(event(0), event(1), event(2));
        producer.commitTransactionException = new org.apache.kafka.common.errors.InvalidTimestampException(
                "Timestamp 1800000001000 of message is out of range");

        assertThatThrownBy(() -> pump(publisher, uncommitted, stamped).run(stream, check, CAUSE))
                .isInstanceOf(TransactionalPublisher.KafkaUnavailable.class).hasMessageContaining("fix the clock");

        wallMillis.addAndGet(-twoHours); // NTP steps this host's clock back to the broker's
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        assertThat(uncommitted.reconcile(checkpoint(0)).outcome()).isEqualTo(Uncommitted.Reconciled.KEPT);
        stream.endAfter(queue);

        pump(publisherOver(rebuilt), uncommitted, stamped).run(stream, check, CAUSE);

        assertThat(rebuilt.history()).filteredOn(r -> r.topic().equals("events")).extracting(ProducerRecord::timestamp)
                .as("the events, two hours ahead of the fixed clock, stamped with their publish time")
                .containsExactly(wallMillis.get(), wallMillis.get());
    }

    /**
     * The events topic made with Kafka's unbounded {@code message.timestamp.before.max.ms}, read so at start; an
     * operator then lowers it to an hour while the listener runs, and the engine replays events two hours old. Stamped
     * with their own times by the settings read at start, they are refused; the settings, read again before the next
     * attempt, say an hour, and the retry stamps them with the publish time, which the broker takes; the refusal is
     * said as the setting's change, not as this host's clock. Before, every retry sent the same stamps, refused the
     * same way ("fix the clock (NTP)", the clock being fine), until a restart.
     */
    @Test
    void anEventOlderThanABeforeMaxMsLoweredSinceTheStartIsRetriedWithAStampWithinTheNewBound() {
        AtomicLong wallMillis = new AtomicLong(T0 / 1_000_000L + Duration.ofHours(2).toMillis());
        Map<String, String> topic = new HashMap<>(KAFKA_TOPIC_DEFAULTS);
        TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");
        EventsTopicLimits limits = new EventsTopicLimits(settingsOf(topic, wallMillis), () -> settingsOf(topic,
                wallMillis), records, max -> TransactionalPublisher.maxEventBytes(new Properties(), max));
        topic.put("message.timestamp.before.max.ms", "3600000"); // kafka-configs.sh --alter, while it runs
        TopicBroker broker = new TopicBroker(topic, wallMillis);
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        queue.round(event(0), event(1), event(2)); // replayed: two hours old

        Throwable refusal = catchThrowable(() -> pump(publisherOver(broker), uncommitted, records)
                .run(stream, check, CAUSE));

        assertThat(refusal).isInstanceOf(TransactionalPublisher.TopicRefused.class);
        EventsTopicLimits.Reread reread = limits.refused((TransactionalPublisher.TopicRefused) refusal);
        assertThat(reread.changed()).isTrue();
        assertThat(reread.message()).contains("the broker refused a record timestamp")
                .contains("message.timestamp.before.max.ms 9223372036854775807 -> 3600000")
                .doesNotContain("clock");
        TopicBroker rebuilt = new TopicBroker(topic, wallMillis);
        assertThat(uncommitted.reconcile(checkpoint(0)).outcome()).isEqualTo(Uncommitted.Reconciled.KEPT);
        stream.endAfter(queue);

        pump(publisherOver(rebuilt), uncommitted, records).run(stream, check, CAUSE);

        assertThat(kinds(rebuilt.history())).containsExactly("event 1", "event 2", "checkpoint 2");
        assertThat(rebuilt.history()).filteredOn(r -> r.topic().equals("events")).extracting(ProducerRecord::timestamp)
                .as("within the new hour: the publish time").containsExactly(wallMillis.get(), wallMillis.get());
    }

    /**
     * The events topic's {@code max.message.bytes} lowered from Kafka's default to 100,000 while the listener runs: an
     * event of 300 KB it read by the bound of the start (held, and another still queued) is refused with the
     * transaction. Read again, the settings bound events to 100,000 less the record's room: the retry sends each as
     * its stand-in (its identity, name and image, truncated, with its event id), which the broker takes. Before,
     * every retry sent the same record, refused the same way, until a restart.
     */
    @Test
    void anEventLongerThanAMaxMessageBytesLoweredSinceTheStartIsRetriedAsItsStandIn() {
        AtomicLong wallMillis = new AtomicLong(T0 / 1_000_000L);
        Map<String, String> topic = new HashMap<>(KAFKA_TOPIC_DEFAULTS);
        TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");
        EventsTopicLimits limits = new EventsTopicLimits(settingsOf(topic, wallMillis), () -> settingsOf(topic,
                wallMillis), records, max -> TransactionalPublisher.maxEventBytes(new Properties(), max));
        int readBound = limits.maxEventBytes();
        CapturedEvent big1 = largeEvent(1, 300_000, readBound);
        CapturedEvent big2 = largeEvent(2, 300_000, readBound);
        assertThat(big1.json()).as("read whole, by the bound of the start").hasSizeGreaterThan(300_000);
        topic.put("max.message.bytes", "100000"); // kafka-configs.sh --alter, while it runs
        TopicBroker broker = new TopicBroker(topic, wallMillis);
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        queue.round(event(0), big1);

        Throwable refusal = catchThrowable(() -> pump(publisherOver(broker), uncommitted, records)
                .run(stream, check, CAUSE));

        assertThat(refusal).isInstanceOf(TransactionalPublisher.TopicRefused.class);
        EventsTopicLimits.Reread reread = limits.refused((TransactionalPublisher.TopicRefused) refusal);
        assertThat(reread.message()).contains("max.message.bytes 1048588 -> 100000");
        assertThat(limits.maxEventBytes()).isEqualTo(100_000 - 16 * 1024);
        TopicBroker rebuilt = new TopicBroker(topic, wallMillis);
        assertThat(uncommitted.reconcile(checkpoint(0)).outcome()).isEqualTo(Uncommitted.Reconciled.KEPT);
        queue.round(big2); // read by the subscription that went on meanwhile, by the bound of the start
        stream.endAfter(queue);

        pump(publisherOver(rebuilt), uncommitted, records).run(stream, check, CAUSE);

        List<ProducerRecord<byte[], byte[]>> events = rebuilt.history().stream()
                .filter(r -> r.topic().equals("events")).toList();
        assertThat(events).hasSize(2).allSatisfy(r -> {
            assertThat(r.value()).hasSizeLessThan(100_000);
            assertThat(ContractJson.MAPPER.readTree(r.value()).path("truncated").asBoolean()).isTrue();
            assertThat(ContractJson.MAPPER.readTree(r.value()).path("Actor").path("Attributes").path("name")
                    .asText()).isEqualTo("web");
        });
        assertThat(events).extracting(r -> HeaderNames.read(r.headers(), HeaderNames.EVENT_ID))
                .as("each keeps its event id").containsExactly(big1.id(), big2.id());
    }

    /** Kafka 4's settings of a topic made without any: what DescribeConfigs gives. */
    private static final Map<String, String> KAFKA_TOPIC_DEFAULTS = Map.of(
            "message.timestamp.type", "CreateTime",
            "message.timestamp.before.max.ms", String.valueOf(Long.MAX_VALUE),
            "message.timestamp.after.max.ms", "3600000",
            "retention.ms", "604800000",
            "max.message.bytes", "1048588");

    /** The topic's settings as DescribeConfigs would give them now. */
    private static EventsTopic settingsOf(Map<String, String> topic, AtomicLong wallMillis) {
        return EventsTopic.of(new Config(topic.entrySet().stream().map(e -> new ConfigEntry(e.getKey(), e.getValue()))
                .toList()), wallMillis::get);
    }

    /**
     * Event {@code n} (engine time T0 + n s) of a container with a label of {@code labelBytes}, read by a splitter of
     * bound {@code maxEventBytes}.
     */
    private static CapturedEvent largeEvent(int n, int labelBytes, int maxEventBytes) {
        long timeNano = T0 + n * 1_000_000_000L;
        byte[] json = ("{\"status\":\"start\",\"id\":\"c" + n + "\",\"Type\":\"container\",\"Action\":\"start\","
                + "\"Actor\":{\"ID\":\"c" + n + "\",\"Attributes\":{\"big\":\"" + "x".repeat(labelBytes)
                + "\",\"image\":\"nginx\",\"name\":\"web\"}},\"scope\":\"local\",\"time\":"
                + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}\n").getBytes(StandardCharsets.UTF_8);
        List<CapturedEvent> read = new ArrayList<>();
        new EventSplitter(HOST.id(), maxEventBytes).feed(json, json.length, read::add);
        assertThat(read).hasSize(1);
        return read.get(0);
    }

    /**
     * A broker's refusals by the events topic's settings ({@code topic}, which a test changes as an operator would):
     * a record stamped further behind its clock than {@code message.timestamp.before.max.ms}, or longer than {@code
     * max.message.bytes}, fails its transaction at the commit, in the producer's words.
     */
    private static final class TopicBroker extends MockProducer<byte[], byte[]> {
        private final Map<String, String> topic;
        private final AtomicLong wallMillis;

        TopicBroker(Map<String, String> topic, AtomicLong wallMillis) {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.topic = topic;
            this.wallMillis = wallMillis;
        }

        @Override
        public synchronized void commitTransaction() {
            long beforeMax = Long.parseLong(topic.get("message.timestamp.before.max.ms"));
            int maxBytes = Integer.parseInt(topic.get("max.message.bytes"));
            for (ProducerRecord<byte[], byte[]> r : uncommittedRecords()) {
                if (!r.topic().equals("events")) {
                    continue;
                }
                if (r.timestamp() != null && wallMillis.get() - r.timestamp() > beforeMax) {
                    throw new KafkaException("Cannot execute transactional method because we are in an error state",
                            new InvalidTimestampException("Timestamp " + r.timestamp() + " of message with offset 0 "
                                    + "is out of range. The timestamp should be within [" + (wallMillis.get()
                                    - beforeMax) + ", " + (wallMillis.get() + 3_600_000L) + "]"));
                }
                if (r.value().length > maxBytes) {
                    throw new KafkaException("Cannot execute transactional method because we are in an error state",
                            new RecordTooLargeException("The request included a message larger than the max "
                                    + "message size the server will accept."));
                }
            }
            super.commitTransaction();
        }
    }

    /**
     * What a failed transaction held, more than the budget allows since the broker took that transaction too slowly:
     * published again in transactions of the budget, each committed with the checkpoint of its last event, whose
     * recent events end there (a start from it must not take the later ones, not yet committed, for published).
     * Before, it all went again in one transaction, which the slow broker failed again at every retry.
     */
    @Test
    void whatAFailedTransactionHeldIsPublishedAgainInTransactionsOfTheBudgetEachWithItsOwnCheckpoint() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        List<CapturedEvent> backlog = new ArrayList<>();
        for (int n = 1; n <= 7; n++) {
            backlog.add(eventNear(n, 1_000_000_000L + n * 10_000_000L)); // within a second: all recent
        }
        queue.round(event(0)); // the replay proves continuity
        queue.round(backlog.toArray(CapturedEvent[]::new));
        producer.commitTransactionException = new TimeoutException("commit took too long");
        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check, CAUSE));
        assertThat(uncommitted.events()).isEqualTo(7);
        budget.tooSlow(new TransactionalPublisher.Progress(7, 6, false));
        assertThat(budget.records()).isEqualTo(3);
        assertThat(uncommitted.reconcile(checkpoint(0)).outcome()).isEqualTo(Uncommitted.Reconciled.KEPT);
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        stream.endAfter(queue);

        Checkpoint last = pump(publisherOver(rebuilt), uncommitted).run(stream, check, CAUSE);

        List<ProducerRecord<byte[], byte[]>> history = rebuilt.history();
        assertThat(kinds(history)).containsExactly("event 1", "event 2", "event 3", "checkpoint 1", "event 4",
                "event 5", "event 6", "event 7", "checkpoint 1");
        assertThat(rebuilt.commitCount()).isEqualTo(2);
        Checkpoint first = ContractJson.read(history.get(3).value(), Checkpoint.class);
        assertThat(first.position()).isEqualTo(position(backlog.get(2)));
        assertThat(first.recent().latestNano()).isEqualTo(backlog.get(2).identity().timeNano());
        assertThat(first.recent().ids()).containsExactlyInAnyOrderElementsOf(backlog.subList(0, 3).stream()
                .map(RecentlyPublished::idOf).toList());
        assertThat(last).isEqualTo(position(backlog.get(6)));
        assertThat(budget.records()).as("the full transaction committed in time doubled it").isEqualTo(6);
    }

    /**
     * A part of what was held ends before a gap rather than between it and its state records when the two fit a part
     * of their own: the contract has them in one transaction when it can (a restart between the two commits published
     * the gap twice, the first without its state).
     */
    @Test
    void aPartOfWhatWasHeldEndsBeforeAGapWhoseStateFitsThePartAfterIt() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        TransactionPump pump = pump(publisherOver(rebuilt), uncommitted);
        uncommitted.hold(records.event(event(1)), event(1));
        pump.holdGap(new Gap(ContractJson.rfc3339(T0), ContractJson.rfc3339(T0 + 1), T0, T0 + 1,
                GapReason.ENGINE_RESTARTED.code(), "the engine restarted", null));
        uncommitted.hold(records.event(event(2)), event(2));
        budget.tooSlow(new TransactionalPublisher.Progress(10, 4, false));
        assertThat(budget.records()).isEqualTo(2);

        pump.commitHeld();

        assertThat(kinds(rebuilt.history())).containsExactly("event 1", "checkpoint 1", "gap", "state", "event 2",
                "checkpoint 2");
        assertThat(rebuilt.commitCount()).as("event 1; the gap and its state; event 2").isEqualTo(3);
    }

    /**
     * A gap with more state records than a part may hold is split at the budget, its state in the parts after it:
     * kept whole, the group went again at every retry, however small the budget (capture stuck for good when the
     * broker could not take it within one commit's wait).
     */
    @Test
    void aGapWithMoreStateThanAPartMayHoldIsSplitItsStateInTheNextParts() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");
        MockProducer<byte[], byte[]> slow = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized void commitTransaction() {
                clock.addAndGet(Duration.ofSeconds(8).toNanos()); // over a quarter of 30 s: the budget stays
                super.commitTransaction();
            }
        };
        TransactionPump pump = pump(publisherOver(slow), uncommitted, null, records, () -> IntStream.rangeClosed(1, 3)
                .mapToObj(part -> new StateSnapshot(ContractJson.rfc3339(T0), T0, "snap", part, 3,
                        JsonNodeFactory.instance.arrayNode())).toList());
        uncommitted.hold(records.event(event(1)), event(1));
        pump.holdGap(new Gap(ContractJson.rfc3339(T0), ContractJson.rfc3339(T0 + 1), T0, T0 + 1,
                GapReason.ENGINE_RESTARTED.code(), "the engine restarted", null));
        uncommitted.hold(records.event(event(2)), event(2));
        budget.tooSlow(new TransactionalPublisher.Progress(10, 4, false));
        assertThat(budget.records()).isEqualTo(2);

        pump.commitHeld();

        assertThat(kinds(slow.history())).containsExactly("event 1", "gap", "checkpoint 1", "state", "state",
                "state", "event 2", "checkpoint 2");
        assertThat(slow.commitCount()).as("event 1 and the gap; two state parts; the third and event 2").isEqualTo(3);
    }

    /**
     * A republish in parts, each taking long (a slow broker), sends the heartbeats due meanwhile: without them, a
     * republish longer than three intervals looked like a silent host to the forwarders.
     */
    @Test
    void aLongRepublishInPartsSendsTheHeartbeatsDueMeanwhile() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        TopicRecords records = new TopicRecords(HOST, "events", "checkpoints");
        MockProducer<byte[], byte[]> slow = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized void commitTransaction() {
                clock.addAndGet(HEARTBEAT.toNanos() + 1); // a heartbeat interval for each part
                super.commitTransaction();
            }
        };
        TransactionPump pump = pump(publisherOver(slow), uncommitted);
        for (int n = 1; n <= 3; n++) {
            uncommitted.hold(records.event(event(n)), event(n));
        }
        budget.tooSlow(new TransactionalPublisher.Progress(10, 2, false));

        pump.commitHeld();

        assertThat(kinds(slow.history())).containsExactly("event 1", "checkpoint 1", "heartbeat", "event 2",
                "checkpoint 2", "heartbeat", "event 3", "checkpoint 3");
    }

    /**
     * A gap whose state is more than the broker takes within one commit's wait (a client quota of 20 kB/s on a shared
     * cluster, 30 s of {@code max.block.ms}: 600 kB; the state of a few hundred containers, which any local user can
     * create, is three parts of 300 kB here). The first transaction fails and the next ones hold fewer records; the
     * gap goes first, and its state parts in the transactions after it, each its own when the budget is down to one,
     * then the events, and capture goes on. Before, a part never ended between a gap and its state: every producer
     * sent the same 900 kB transaction again, which failed the same way, for good; nothing more was published, not
     * even heartbeats (the host reported silent), and a restart rebuilt the same transaction.
     */
    @Test
    void aGapWhoseStateIsMoreThanTheBrokerTakesInOneCommitIsPublishedInPartsAndCaptureGoesOn() {
        ArrayNode containers = JsonNodeFactory.instance.arrayNode();
        containers.addObject().put("Id", "x".repeat(300_000));
        List<StateSnapshot> parts = IntStream.rangeClosed(1, 3).mapToObj(part -> new StateSnapshot(
                ContractJson.rfc3339(T0), T0, "large", part, 3, containers)).toList();
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        queue.round(event(30)); // the engine no longer had the checkpointed event: a gap, its state, then event 30
        queue.round(event(31), event(32)); // read while Kafka failed: capture goes on
        stream.endAfter(queue);
        List<ProducerRecord<byte[], byte[]>> committed = new ArrayList<>();

        Checkpoint last = null;
        int producers = 0;
        while (last == null && producers < 10) { // the capture loop's producers, one after each failure
            producers++;
            try {
                last = pump(publisherOver(quotaBroker(committed)), uncommitted, null,
                        new TopicRecords(HOST, "events", "checkpoints"), () -> parts).run(stream, check, CAUSE);
            } catch (TransactionalPublisher.KafkaUnavailable e) {
                if (e.outOfTime() != null) {
                    budget.tooSlow(e.outOfTime());
                }
                uncommitted.reconcile(lastCheckpoint(committed));
            }
        }

        assertThat(last).as("everything read committed, %d producers; committed: %s, budget %d, still held %d",
                producers, kinds(committed), budget.records(), uncommitted.held().size()).isEqualTo(checkpoint(32));
        assertThat(producers).as("the failures before it").isLessThanOrEqualTo(3);
        assertThat(kinds(committed)).filteredOn(k -> !k.equals("heartbeat") && !k.startsWith("checkpoint"))
                .as("each once, in order").containsExactly("gap", "state", "state", "state", "event 30", "event 31",
                        "event 32");
        assertThat(committed).filteredOn(r -> "state".equals(HeaderNames.read(r.headers(), HeaderNames.KIND)))
                .extracting(r -> ContractJson.read(r.value(), StateSnapshot.class).part()).containsExactly(1, 2, 3);
    }

    /** Kafka's checkpoint after these commits: the last one committed, else event 0's. */
    private static Checkpoint lastCheckpoint(List<ProducerRecord<byte[], byte[]>> committed) {
        Checkpoint found = checkpoint(0);
        for (ProducerRecord<byte[], byte[]> r : committed) {
            if (r.topic().equals("checkpoints")) {
                found = ContractJson.read(r.value(), Checkpoint.class);
            }
        }
        return found;
    }

    /**
     * A broker that takes this listener's records at {@link #QUOTA_BYTES_PER_SECOND} where a commit may wait 30 s: it
     * acknowledges a transaction's records, in the time they take at that rate, up to what that rate moves in 30 s; a
     * transaction of more does not end before the producer's wait ({@code max.block.ms}) runs out. Committed records
     * are added to {@code committed}.
     */
    private MockProducer<byte[], byte[]> quotaBroker(List<ProducerRecord<byte[], byte[]>> committed) {
        long takesBytes = QUOTA_BYTES_PER_SECOND * 30;
        return new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            private long bytes;
            private final List<ProducerRecord<byte[], byte[]>> open = new ArrayList<>();

            @Override
            public synchronized void beginTransaction() {
                super.beginTransaction();
                bytes = 0;
                open.clear();
            }

            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
                Future<RecordMetadata> sent = super.send(record, callback);
                open.add(record);
                bytes += record.value().length;
                if (bytes <= takesBytes) {
                    clock.addAndGet(record.value().length * 1_000_000_000L / QUOTA_BYTES_PER_SECOND);
                    completeNext();
                }
                return sent;
            }

            @Override
            public synchronized void commitTransaction() {
                if (bytes > takesBytes) {
                    clock.addAndGet(Duration.ofSeconds(30).toNanos());
                    throw new TimeoutException("Timeout expired after 30000ms while awaiting EndTxn(true)");
                }
                super.commitTransaction();
                committed.addAll(open);
            }
        };
    }

    private static Checkpoint position(CapturedEvent e) {
        return new Checkpoint(e.identity().timeNano(), e.id());
    }

    /**
     * The checkpoints topic deleted and created again, or the bootstrap address now another cluster's: the new
     * producer finds no checkpoint where this listener had committed one. What was held is still to publish, and the
     * checkpoint written again; before, it was taken for another listener's, the held events were dropped, and the
     * next subscription was a first start: what was made before its 2 s look-back was lost, without a gap.
     */
    @Test
    void aCheckpointGoneFromKafkaKeepsWhatWasHeldAndWritesTheCheckpointAgain() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        commitFailsAfterTwoEvents(uncommitted, check);

        assertThat(uncommitted.reconcile(null).outcome()).isEqualTo(Uncommitted.Reconciled.CHECKPOINT_LOST);
        assertThat(uncommitted.pending()).isEqualTo(checkpoint(2));
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        stream.endAfter(queue);

        pump(publisherOver(rebuilt), uncommitted).run(stream, check, CAUSE);

        assertThat(kinds(rebuilt.history())).containsExactly("event 1", "event 2", "checkpoint 2");
    }

    @Test
    void aCheckpointGoneFromKafkaWithNothingHeldIsWrittenAgainAtTheNextCommit() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));

        assertThat(uncommitted.reconcile(null).outcome()).isEqualTo(Uncommitted.Reconciled.CHECKPOINT_LOST);

        assertThat(uncommitted.committing(0, clock.get())).isNotNull().extracting(Checkpoint::position)
                .isEqualTo(checkpoint(0));
    }

    @Test
    void aCommitThatWentThroughAfterAllIsNotPublishedTwice() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        ContinuityCheck check = check(uncommitted);
        commitFailsAfterTwoEvents(uncommitted, check);

        // The new producer's initTransactions completed that commit: Kafka's checkpoint is the failed one's.
        assertThat(uncommitted.reconcile(checkpoint(2)).outcome())
                .isEqualTo(Uncommitted.Reconciled.COMMITTED_LATE);
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        queue.round(event(3));
        stream.endAfter(queue);

        pump(publisherOver(rebuilt), uncommitted).run(stream, check, CAUSE);

        assertThat(kinds(rebuilt.history())).containsExactly("event 3", "checkpoint 3");
    }

    @Test
    void eventsDrainedButNotYetSentWhenKafkaFailsAreKeptInOrder() {
        Uncommitted uncommitted = new Uncommitted(null);
        producer.sendException = new TimeoutException("no buffer");
        queue.round(event(1), event(2), event(3));

        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE));

        assertThat(uncommitted.held()).extracting(h -> new String(h.record().value(), StandardCharsets.UTF_8))
                .containsExactly("{\"n\":1}", "{\"n\":2}", "{\"n\":3}");
        assertThat(uncommitted.pending()).isEqualTo(checkpoint(3));
    }

    @Test
    void whatWasHeldIsCommittedWithoutASubscriptionWhileTheEngineIsAway() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        queue.round(event(0), event(1), event(2));
        producer.commitTransactionException = new TimeoutException("no answer");
        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE));
        uncommitted.reconcile(checkpoint(0));
        MockProducer<byte[], byte[]> rebuilt = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());

        pump(publisherOver(rebuilt), uncommitted).commitHeld();

        assertThat(kinds(rebuilt.history())).containsExactly("event 1", "event 2", "checkpoint 2");
        assertThat(uncommitted.isEmpty()).isTrue();
        assertThat(uncommitted.committed()).isEqualTo(checkpoint(2));
    }

    @Test
    void whatWasHeldIsDroppedWhenAnotherListenerMovedTheCheckpoint() {
        Uncommitted uncommitted = new Uncommitted(checkpoint(0));
        queue.round(event(0), event(1), event(2));
        producer.commitTransactionException = new TimeoutException("no answer");
        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check(uncommitted), CAUSE));

        Uncommitted.Reconciliation r = uncommitted.reconcile(checkpoint(9));

        assertThat(r.outcome()).isEqualTo(Uncommitted.Reconciled.DROPPED);
        assertThat(r.taken().events()).isEqualTo(2);
        assertThat(uncommitted.isEmpty()).isTrue();
        assertThat(uncommitted.pending()).as("resumes from the other listener's checkpoint").isEqualTo(checkpoint(9));
    }

    @Test
    void anEventHandedOverAfterTheCheckpointedOneButReplayedBeforeItIsPublishedAfterARestart() {
        // The engine appended 1 then 2, made at once, and handed 2 over first: the listener stopped before 1 came.
        CapturedEvent one = eventNear(1, 10_000);
        CapturedEvent two = eventNear(2, 10_100);
        queue.round(two);
        stream.endAfter(queue);
        run(null);
        Checkpoint stored = ContractJson.read(producer.history().get(1).value(), Checkpoint.class);
        assertThat(stored.recent()).as("the checkpoint as Kafka keeps it").isNotNull();

        MockProducer<byte[], byte[]> next = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        Uncommitted restarted = new Uncommitted(null);
        restarted.reconcile(stored);
        queue.round(one, two, eventNear(3, 500_000_000)); // the replay: the engine's buffer order
        pump(publisherOver(next), restarted).run(stream, check(restarted), CAUSE);

        assertThat(kinds(next.history())).containsExactly("event 1", "event 3", "checkpoint 0");
    }

    @Test
    void anEventHandedOverBeforeTheCheckpointedOneButReplayedAfterItIsNotPublishedAgainOnAReconnect() {
        // The engine appended 1 then 2, made at once, and handed 2 over first; then the subscription ended (a full
        // queue, say), and the same process resumes from 1.
        Uncommitted uncommitted = new Uncommitted(null);
        TransactionPump pump = pump(publisher, uncommitted);
        queue.round(eventNear(2, 10_100), eventNear(1, 10_000));
        stream.endAfter(queue);
        pump.run(stream, check(uncommitted), CAUSE);

        queue.round(eventNear(1, 10_000), eventNear(2, 10_100), eventNear(3, 500_000_000));
        pump.run(stream, check(uncommitted), CAUSE);

        assertThat(kinds(producer.history())).containsExactly("event 2", "event 1", "checkpoint 0", "event 3",
                "checkpoint 0");
    }

    private TransactionalPublisher publisherOver(MockProducer<byte[], byte[]> producer) {
        return new TransactionalPublisher(producer, new TopicRecords(HOST, "events", "checkpoints"), clock::get,
                60_000);
    }

    // ---- the fakes ----

    /** Event {@code n}, of engine time T0 + n s, read at the monotonic clock's start. */
    /** The replay proves continuity on event 0; events 1 and 2 are held by a commit that gets no answer. */
    private void commitFailsAfterTwoEvents(Uncommitted uncommitted, ContinuityCheck check) {
        queue.round(event(0), event(1), event(2));
        producer.commitTransactionException = new TimeoutException("no answer");
        catchThrowable(() -> pump(publisher, uncommitted).run(stream, check, CAUSE));
    }

    private static CapturedEvent event(int n) {
        return event(n, 1_000_000_000L);
    }

    private static CapturedEvent event(int n, long readNanos) {
        long timeNano = T0 + n * 1_000_000_000L;
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "container", "start",
                "c" + n);
        return new CapturedEvent(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8), identity,
                identity.id(HOST.id()), readNanos);
    }

    /** Event {@code n}, of engine time T0 + {@code nanos}: events made at once, less than a second apart. */
    private static CapturedEvent eventNear(int n, long nanos) {
        long timeNano = T0 + nanos;
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "volume", "create",
                "v" + n);
        return new CapturedEvent(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8), identity,
                identity.id(HOST.id()), 1_000_000_000L);
    }

    private static Checkpoint checkpoint(int n) {
        CapturedEvent e = event(n);
        return new Checkpoint(e.identity().timeNano(), e.id());
    }

    /** Each record as "event N", "checkpoint N" (N: the event's number), or its kind. */
    private static List<String> kinds(List<ProducerRecord<byte[], byte[]>> records) {
        List<String> out = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            if (r.topic().equals("checkpoints")) {
                long timeNano = ContractJson.read(r.value(), Checkpoint.class).timeNano();
                out.add("checkpoint " + (timeNano - T0) / 1_000_000_000L);
            } else if ("event".equals(HeaderNames.read(r.headers(), HeaderNames.KIND))) {
                out.add("event " + value.replaceAll("\\D", ""));
            } else {
                out.add(HeaderNames.read(r.headers(), HeaderNames.KIND));
            }
        }
        return out;
    }

    /**
     * The queue, one scripted round per drain. A drain that finds nothing moves the clock by its wait instead of
     * sleeping; a round may also take time, run an action, or leave events behind (the queue is not empty after it).
     */
    private final class ScriptedQueue implements TransactionPump.EventSource {
        /** {@code woken}: its action wakes the waiting drain (a stop, the stream's end), which returns at once. */
        private record Round(List<CapturedEvent> events, long takesMillis, boolean busyAfter, Runnable action,
                             boolean woken) {}

        private final Deque<Round> rounds = new ArrayDeque<>();
        private final Deque<CapturedEvent> available = new ArrayDeque<>();

        void round(CapturedEvent... events) {
            rounds.add(new Round(List.of(events), 0, false, null, false));
        }

        /** A round whose action wakes the waiting drain, as a stop or the stream's end does: no event, no wait. */
        void roundWoken(Runnable action) {
            rounds.add(new Round(List.of(), 0, false, action, true));
        }

        /** Events that come {@code afterMillis} into the drain's wait, the queue empty after them. */
        void roundAfter(long afterMillis, CapturedEvent... events) {
            rounds.add(new Round(List.of(events), afterMillis, false, null, false));
        }

        void roundStillBusy(long takesMillis, CapturedEvent... events) {
            rounds.add(new Round(List.of(events), takesMillis, true, null, false));
        }

        /** Events already queued once the scripted rounds are done, drained in batches of what room allows. */
        void available(List<CapturedEvent> events) {
            available.addAll(events);
        }

        boolean exhausted() {
            return rounds.isEmpty() && available.isEmpty();
        }

        int size() {
            return available.size();
        }

        private boolean busy;

        /** Each drain's wait, as the pump asked for it. */
        final List<Long> waits = new ArrayList<>();

        @Override
        public int drainTo(List<CapturedEvent> into, int max, long waitMillis) {
            waits.add(waitMillis);
            Round round = rounds.poll();
            if (round == null) {
                int n = 0;
                while (n < max && !available.isEmpty()) {
                    into.add(available.poll());
                    n++;
                }
                busy = !available.isEmpty();
                return n;
            }
            if (round.action() != null) {
                round.action().run();
            }
            clock.addAndGet(round.takesMillis() * 1_000_000L);
            if (round.events().isEmpty() && !round.woken()) {
                clock.addAndGet(waitMillis * 1_000_000L);
            }
            into.addAll(round.events());
            busy = round.busyAfter();
            return round.events().size();
        }

        @Override
        public void release(List<CapturedEvent> taken) {}

        @Override
        public void hold(long bytes) {}

        @Override
        public void release(long bytes) {}

        @Override
        public boolean isEmpty() {
            return !busy;
        }
    }

    /** The engine subscription: ends once the queue's script is played out, unless the pump stopped it first. */
    private static final class ScriptedSubscription implements TransactionPump.Subscription {
        private ScriptedQueue endsAfter;
        long openedAt = T0;
        boolean stopped;

        void endAfter(ScriptedQueue queue) {
            this.endsAfter = queue;
        }

        @Override
        public End end() {
            if (stopped) {
                return new End(EndReason.STOPPED, "stopped");
            }
            return endsAfter != null && endsAfter.exhausted() ? new End(EndReason.ENGINE_CLOSED, "closed") : null;
        }

        @Override
        public boolean connected() {
            return !stopped;
        }

        @Override
        public long openedAtNanos() {
            return openedAt;
        }

        @Override
        public void stop() {
            stopped = true;
        }
    }
}
