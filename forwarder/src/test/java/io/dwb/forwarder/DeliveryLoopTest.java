package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.NamedThread;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.StateSnapshot;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.LogTruncationException;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The delivery loop's rules, unit layer: one {@link DeliveryLoop#runOnce} at a time over Kafka's MockConsumer, a
 * sink that accepts or refuses as each test says, the dead-letter topic as a MockProducer, and a clock that moves
 * only when the test moves it. Each runs in milliseconds; the acceptance tests (DeliveryOrderTest, ReceiverOutageTest,
 * PacingTest, ConsumerGroupTest, DeadLetterTest…) show the same rules against a real broker and socket.
 */
class DeliveryLoopTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);
    private static final TopicPartition P3 = new TopicPartition(TOPIC, 3);
    private static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
    private static final long FIRST_RETRY = DeliveryOptions.FIRST_RETRY_DELAY.toNanos();
    private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    private static final Duration LOOK_BACK = Duration.ofMinutes(2);

    /** What the loop's poll out of memory reads again with: by default a probe that reads nothing. */
    private UnreadableRecordSearch search = TestRecords.unreadableSearch();
    /** The Kafka client threads the loop checks each second: by default none. */
    private KafkaClientThreads clientThreads = KafkaClientThreads.none();
    /** Thrown by the consumer's next poll, once, after it took what it had: a poll out of memory. */
    private OutOfMemoryError pollOutOfMemory;
    /** What the loop committed, by partition (MockConsumer answers 0 for a partition no longer assigned). */
    private final Map<TopicPartition, Long> commits = new HashMap<>();
    /**
     * What was last committed for each partition, its metadata with it, whoever committed it: MockConsumer's own
     * {@code committed} answers offset 0 for a partition no longer assigned.
     */
    private final Map<TopicPartition, OffsetAndMetadata> lastCommitted = new HashMap<>();
    /** What happens while a synchronous commit waits for its answer (a test's: the sending thread goes on). */
    private volatile Runnable duringCommitSync = () -> { };
    /** One past the last offset the test added to each partition. */
    private final Map<TopicPartition, Long> addedEnds = new HashMap<>();
    /** The loop's seeks that gave a position with its leader epoch (the consumer checks those against the log). */
    private final List<OffsetAndMetadata> seeksWithEpoch = new CopyOnWriteArrayList<>();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void seek(TopicPartition partition, OffsetAndMetadata offsetAndMetadata) {
            if (offsetAndMetadata.leaderEpoch().isPresent()) {
                seeksWithEpoch.add(offsetAndMetadata);
            }
            super.seek(partition, offsetAndMetadata);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            duringCommitSync.run(); // the round trip to the group coordinator, while other threads go on
            super.commitSync(offsets);
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            lastCommitted.putAll(offsets);
            commitWaits.add(Optional.empty());
        }

        @Override
        public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            super.commitSync(offsets);
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            lastCommitted.putAll(offsets);
            commitWaits.add(Optional.of(timeout));
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                             OffsetCommitCallback callback) {
            if (commitFailure != null) {
                callback.onComplete(offsets, commitFailure);
                return;
            }
            offsets.forEach((tp, o) -> commits.put(tp, o.offset()));
            lastCommitted.putAll(offsets);
            super.commitAsync(offsets, callback);
        }

        /** With {@link #pollOutOfMemory} set, a poll that read what it had (positions moved) and then ran out. */
        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            ConsumerRecords<byte[], byte[]> polled = super.poll(timeout);
            OutOfMemoryError error = pollOutOfMemory;
            if (error != null) {
                pollOutOfMemory = null;
                throw error;
            }
            return polled;
        }

        /**
         * A partition given no end by the test ends at its last offset committed or added, whichever is later: a log
         * that lost nothing (MockConsumer refuses to answer for it).
         */
        @Override
        public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions,
                                                                 Duration timeout) {
            Map<TopicPartition, Long> ends = new HashMap<>();
            for (TopicPartition tp : partitions) {
                try {
                    ends.putAll(super.endOffsets(List.of(tp), timeout));
                } catch (IllegalStateException noEndGiven) {
                    OffsetAndMetadata committed = lastCommitted.get(tp);
                    ends.put(tp, Math.max(committed == null ? 0 : committed.offset(), addedEnds.getOrDefault(tp, 0L)));
                }
            }
            return ends;
        }

        @Override
        public synchronized void addRecord(ConsumerRecord<byte[], byte[]> record) {
            super.addRecord(record);
            addedEnds.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
        }

        /** The first offset of {@link #firstAtTime} for each partition asked that has one, as Kafka's time index. */
        @Override
        public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                                  Duration timeout) {
            Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
            times.forEach((tp, time) -> found.put(tp, firstAtTime.containsKey(tp)
                    ? new OffsetAndTimestamp(firstAtTime.get(tp), time) : null));
            timesAsked.putAll(times);
            return found;
        }

        /** With {@link #fetchAnswers} set, the consumer's count of fetch answers, as a KafkaConsumer has it. */
        @Override
        public synchronized Map<MetricName, ? extends Metric> metrics() {
            if (fetchAnswers == null) {
                return super.metrics();
            }
            MetricName name = new MetricName("fetch-total", "consumer-fetch-manager-metrics", "", Map.of());
            return Map.of(name, new Metric() {
                @Override
                public MetricName metricName() {
                    return name;
                }

                @Override
                public Object metricValue() {
                    return fetchAnswers;
                }
            });
        }
    };
    private volatile Double fetchAnswers;
    /** When set, each asynchronous commit fails with it (the group coordinator unreachable). */
    private volatile Exception commitFailure;
    /** Where the consumer's time look-up finds each partition's first record at or after any time asked. */
    private final Map<TopicPartition, Long> firstAtTime = new HashMap<>();
    private final Map<TopicPartition, Long> timesAsked = new HashMap<>();
    /** How long each synchronous commit was allowed to wait (empty: the consumer's default.api.timeout.ms). */
    private final List<Optional<Duration>> commitWaits = new ArrayList<>();
    /** Partitions with records written past their stable end (a transaction left open on them). */
    private final Set<TopicPartition> heldBack = new HashSet<>();
    /** Partitions that take no writes (fewer in-sync replicas than their topic needs). */
    private final Set<TopicPartition> unwritable = new HashSet<>();
    private final OpenTransactions openTransactions = new OpenTransactions() {
        @Override
        public void watch(Set<TopicPartition> partitions) {
        }

        @Override
        public boolean holdBack(TopicPartition partition) {
            return heldBack.contains(partition);
        }

        @Override
        public boolean unwritable(TopicPartition partition) {
            return unwritable.contains(partition);
        }

        @Override
        public List<PartitionChange> takeSaid() {
            List<PartitionChange> taken = List.copyOf(changesSaid);
            changesSaid.clear();
            return taken;
        }
    };
    /** What the open-transaction watch said since the loop last asked (stalls, writes refused, and their ends). */
    private final List<PartitionChange> changesSaid = new ArrayList<>();
    /** The pipeline of the loop {@code live} made last. */
    private AlertPipeline pipeline;
    /** How many times the loop asked the broker whether the dead-letter topic exists. */
    private int topicChecks;
    /** What the broker answers when asked whether the dead-letter topic is missing. */
    private boolean dlqMissing;
    private final MockProducer<byte[], byte[]> deadLetters = new MockProducer<>(true, null,
            new ByteArraySerializer(), new ByteArraySerializer());
    private final ScriptedSink sink = new ScriptedSink();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private static final long START = 1_000_000_000_000L;
    private static final long RECORD_TIME_MS = 1_764_000_000_000L;
    private long now = START;
    private RecordClassifier classifier = new RecordClassifier(TestRecords.SCHEMAS);
    private PollBudget budget = new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES);

    @Test
    void commitsOnlyThePrefixTheSinkAccepted() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b", "c", "d", "e");
        sink.refuseFrom = 2; // Wazuh takes two datagrams, then goes away

        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b");
        assertThat(committed(P0)).as("nothing past the first undelivered record").isEqualTo(2);

        sink.refuseFrom = Integer.MAX_VALUE; // back
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b", "c", "d", "e");
        assertThat(committed(P0)).isEqualTo(5);
    }

    /**
     * Cut off from Kafka with a connection still counted (packets dropped by a firewall, a broker host gone, a broker
     * hung: Kafka counts a connection being attempted, or open and unanswered, as one): no fetch answered for 10 s is
     * Kafka unreachable, and /healthz fails once that lasted longer than its bound (60 s here). Before, the count
     * said connected, /healthz stayed 200 and nothing was said, while no record came.
     */
    @Test
    void aForwarderCutOffFromKafkaWithAConnectionCountedIsUnhealthyAfterTheBound() {
        fetchAnswers = 1.0;
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a");
        runFor(loop, TimeUnit.SECONDS.toNanos(10));
        assertThat(gauge("dwb_forwarder_kafka_unreachable")).isZero();

        runFor(loop, TimeUnit.SECONDS.toNanos(65)); // no fetch answered since
        assertThat(gauge("dwb_forwarder_kafka_unreachable")).isOne();
        assertThat(loop.healthy()).as("unanswered for longer than the bound").isFalse();

        fetchAnswers = 2.0; // answered again
        runFor(loop, TimeUnit.SECONDS.toNanos(1));
        assertThat(gauge("dwb_forwarder_kafka_unreachable")).isZero();
        assertThat(loop.healthy()).isTrue();
    }

    /** A forwarder that asks for nothing (every partition paused: Wazuh refusing) gets no answer, and is not cut off. */
    @Test
    void aForwarderWhosePartitionsArePausedIsNotTakenForCutOffFromKafka() {
        fetchAnswers = 1.0;
        DeliveryLoop loop = live(0, 1000, P0);
        sink.refuse = datagram -> true;
        addEvents(P0, "a");
        runFor(loop, TimeUnit.SECONDS.toNanos(30));
        assertThat(consumer.paused()).contains(P0);
        assertThat(gauge("dwb_forwarder_kafka_unreachable")).isZero();

        sink.refuse = datagram -> false; // fetching again, answered at once
        fetchAnswers = 2.0;
        runFor(loop, TimeUnit.SECONDS.toNanos(12)); // the next retry within 10 s
        assertThat(names(sink.accepted)).containsExactly("a");
        assertThat(gauge("dwb_forwarder_kafka_unreachable")).isZero();
    }

    /**
     * Commits that keep failing are counted, and make /healthz fail once they have failed for longer than its bound
     * (60 s here), as Kafka unreachable does: everything delivered since the last good commit is delivered again
     * after a restart. Before, one WARN line said the first failure, and /healthz stayed 200 for ever.
     */
    @Test
    void commitsFailingForLongerThanTheBoundAreCountedAndMakeTheForwarderUnhealthyUntilOneSucceeds() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b");
        commitFailure = new org.apache.kafka.clients.consumer.RetriableCommitFailedException("coordinator gone");
        round(loop);
        for (int i = 0; i < 60; i++) { // a failed commit every interval, for 60 s
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(loop.healthy()).as("within the bound, at %d s", i + 1).isTrue();
        }
        assertThat(metrics.commitFailuresTotal()).isEqualTo(60);
        assertThat(counter("dwb_forwarder_commit_failures")).isEqualTo(60);
        assertThat(committed(P0)).isEqualTo(-1);

        tick(2 * COMMIT_INTERVAL.toNanos()); // 61 s since the first failure
        round(loop);
        assertThat(loop.healthy()).as("failing for longer than the bound").isFalse();

        commitFailure = null;
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(loop.healthy()).as("a commit went").isTrue();
        assertThat(metrics.commitFailuresTotal()).isEqualTo(61);
    }

    /**
     * Commits Kafka refuses while polls go on (Read on the group removed: the consumer keeps fetching) are a refusal
     * of Kafka's, as a poll's is: an ERROR naming the grant, once, the gauge, and /healthz after the bound; said over
     * when one goes. Before, a WARN "commit failed" alone said it, the refusal gauge and its alert at 0.
     */
    @Test
    void commitsKafkaRefusesAreARefusalSaidOnceWithTheGrantAndTheGauge() {
        try (LogLines log = changesLog()) {
            DeliveryLoop loop = live(0, 1000, P0);
            addEvents(P0, "a", "b");
            commitFailure = new org.apache.kafka.common.errors.GroupAuthorizationException(
                    "Not authorized to access group: wazuh-forwarder");
            round(loop);
            for (int i = 0; i < 3; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(sink.accepted).as("delivery goes on").hasSize(2);
            assertThat(log.messages("Kafka refuses the forwarder's commits")).singleElement().asString()
                    .contains("not allowed to use the consumer group (Not authorized to access group: "
                            + "wazuh-forwarder): grant the forwarder's principal READ and DESCRIBE on the group");
            assertThat(gauge("dwb_forwarder_kafka_refused")).isEqualTo(1);

            commitFailure = null;
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(log.messages("Kafka accepts the forwarder's commits again")).hasSize(1);
            assertThat(gauge("dwb_forwarder_kafka_refused")).isZero();
            assertThat(committed(P0)).isEqualTo(2);
        }
    }

    /**
     * A commit refusal ended by a commit that is not the periodic one (a revocation's, synchronous), or by nothing
     * left to commit, is over: the gauge and /healthz stood at refused for good (a review of the first version).
     */
    @Test
    void aCommitRefusalIsOverOnceARevocationsCommitGoes() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a", "b");
        commitFailure = new org.apache.kafka.common.errors.GroupAuthorizationException("Not authorized");
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(gauge("dwb_forwarder_kafka_refused")).isEqualTo(1);

        commitFailure = null;
        consumer.rebalance(List.of()); // both revoked: the revocation's commit goes
        assertThat(committed(P0)).isEqualTo(2);
        for (int i = 0; i < 120; i++) { // two idle minutes
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(gauge("dwb_forwarder_kafka_refused")).isZero();
        assertThat(loop.healthy()).isTrue();
    }

    /**
     * A failed periodic commit, then a revocation whose commit goes (this member left a standby, or with partitions
     * that have nothing new): no periodic commit follows to clear it, and /healthz said 503 for good, which an
     * orchestrator answers by restarting a healthy forwarder again and again.
     */
    @Test
    void aCommitFailureFollowedByARevocationsCommitThatGoesIsOver() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a", "b");
        commitFailure = new RetriableCommitFailedException("rebalance in progress");
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop); // the periodic commit fails
        commitFailure = null;
        consumer.rebalance(List.of()); // both revoked: the revocation's commit goes
        assertThat(committed(P0)).isEqualTo(2);
        for (int i = 0; i < 120; i++) { // two idle minutes: nothing left to commit
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(loop.healthy()).as("nothing fails any more").isTrue();
    }

    /**
     * The committed offset carries the leader epoch of the record before it, as the consumer's own commits do: after
     * a restart or a reassignment the consumer checks the position against the log with it, so a log truncated below
     * it is found as a truncation (delivered again from where it diverged). Without it, the fetch was out of range,
     * taken for a topic recreated, and the partition delivered again from its start as live alerts.
     */
    @Test
    void theCommittedOffsetCarriesTheLeaderEpochOfTheLastRecordDelivered() {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.addRecord(withEpoch(event(P0, 0, "a"), 5));
        consumer.addRecord(withEpoch(event(P0, 1, "b"), 7)); // a new leader since
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        OffsetAndMetadata committed = consumer.committed(Set.of(P0)).get(P0);
        assertThat(committed.offset()).isEqualTo(2);
        assertThat(committed.leaderEpoch()).contains(7);
    }

    private static ConsumerRecord<byte[], byte[]> withEpoch(ConsumerRecord<byte[], byte[]> r, int epoch) {
        return new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                r.serializedKeySize(), r.serializedValueSize(), r.key(), r.value(), r.headers(), Optional.of(epoch));
    }

    @Test
    void recordsDeletedUnreadAreSaidOnceAndCommittedPastSoThatNoRestartSaysItAgain() {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.updateBeginningOffsets(Map.of(P0, 7L)); // retention deleted offsets 0 to 6 before any fetch
        consumer.setPollException(new OffsetOutOfRangeException("out of range", Map.of(P0, 0L)));
        round(loop);
        assertThat(consumer.position(P0)).isEqualTo(7);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(sink.accepted).hasSize(1);
        assertThat(TestRecords.alert(sink.accepted.get(0).getBytes(StandardCharsets.UTF_8)).path("docker_bridge")
                .path("event").asText())
                .isEqualTo("deleted-before-delivery");
        assertThat(committed(P0)).as("nothing else came: committed past the loss all the same").isEqualTo(7);
    }

    /**
     * A partition found past its end (its topic deleted and made again between two looks, as many partitions) starts
     * afresh: the offset delivered of the old topic kept, nothing was committed while the new records' offsets were
     * below it, and the revocation committed it, the next owner passing over every new record below it undelivered
     * and unsaid (n3 to n9 here).
     */
    @Test
    void aPartitionMadeAgainCommitsItsNewRecordsNotTheOldTopicsOffset() {
        DeliveryLoop loop = madeAgainAfterTenDelivered();
        addEvents(P0, 0, "n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10", "n11");
        consumer.updateEndOffsets(Map.of(P0, 12L));
        sink.refuseFrom = sink.accepted.size() + 3; // Wazuh takes three of the new topic's, then goes away
        for (int i = 0; i < 3; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(names(sink.accepted)).endsWith("n0", "n1", "n2");
        assertThat(committed(P0)).as("the new topic's records delivered").isEqualTo(3);
        consumer.rebalance(List.of());
        assertThat(lastCommitted.get(P0).offset()).as("the revocation's: where its next owner starts").isEqualTo(3);
        assertThat(metrics.deletedBeforeDeliveryTotal()).as("everything fetched of the old topic was delivered")
                .isZero();
    }

    /**
     * A partition made again, revoked before any of its new records was delivered (Wazuh down): its new start is
     * committed, not nothing (the old topic's offset then stood, and its next owner passed over the new records below
     * it).
     */
    @Test
    void aPartitionMadeAgainCommitsItsNewStartBeforeAnythingIsDelivered() {
        DeliveryLoop loop = madeAgainAfterTenDelivered();
        sink.refuseFrom = sink.accepted.size(); // Wazuh away: nothing of the new topic delivered
        addEvents(P0, 0, "n0", "n1", "n2");
        consumer.updateEndOffsets(Map.of(P0, 3L));
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        consumer.rebalance(List.of());
        assertThat(lastCommitted.get(P0).offset()).as("the new topic's start").isZero();
    }

    /** P0's ten records delivered and committed, then its position found past its end: the topic made again. */
    private DeliveryLoop madeAgainAfterTenDelivered() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P0)).isEqualTo(10);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.setPollException(new OffsetOutOfRangeException("out of range", Map.of(P0, 10L)));
        round(loop);
        return loop;
    }

    /**
     * What was fetched of a partition's old topic and not delivered when it was found past its end is still delivered,
     * before the new topic's records, and commits nothing of the new topic's offsets.
     */
    @Test
    void whatAPartitionMadeAgainHadFetchedIsDeliveredAndMovesNoOffset() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        sink.refuseFrom = 6; // Wazuh takes six, then goes away
        round(loop);
        round(loop);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.setPollException(new OffsetOutOfRangeException("out of range", Map.of(P0, 10L)));
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P0)).as("the new topic's start, nothing of it delivered yet: the old offset goes")
                .isZero();
        sink.refuseFrom = Integer.MAX_VALUE;
        addEvents(P0, 0, "n0", "n1");
        consumer.updateEndOffsets(Map.of(P0, 2L));
        for (int i = 0; i < 3; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(names(sink.accepted)).containsExactly("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "n0", "n1");
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(metrics.deletedBeforeDeliveryTotal()).isZero();
    }

    @Test
    void aTruncatedLogIsDeliveredAgainFromItsFirstDivergentOffsetWithoutALossReported() {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        // An unclean leader election: the new leader's log ends at 40, below the 100 fetched.
        consumer.setPollException(new LogTruncationException(Map.of(P0, 100L),
                Map.of(P0, new OffsetAndMetadata(40, Optional.of(6), ""))));
        round(loop);
        assertThat(consumer.position(P0)).as("before: the whole partition again, from 0").isEqualTo(40);
        // With its leader epoch, as Kafka gives it: the consumer checks the new position against the log too.
        assertThat(seeksWithEpoch).singleElement().satisfies(o -> assertThat(o.leaderEpoch()).contains(6));
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(sink.accepted).isEmpty();
    }

    @Test
    void withTheSendingThreadARecordIsCommittedOnlyOnceItsDatagramIsWritten() {
        sink.gate = new Semaphore(2); // the socket takes two datagrams, then the third write waits in it
        AlertPipeline.Mode mode = mode();
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try {
            DeliveryLoop loop = live(mode, sending, 0, 1000, P0);
            addEvents(P0, "a", "b", "c", "d", "e");

            round(loop);
            assertThat(sending.submitted()).as("all five handed to the thread").isEqualTo(5);
            await().atMost(Duration.ofSeconds(10)).until(() -> sending.written() == 2);
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(committed(P0)).as("handed over is not written: nothing past b").isEqualTo(2);

            sink.gate.release(3);
            assertThat(sending.awaitWritten(Duration.ofSeconds(10))).isTrue();
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("a", "b", "c", "d", "e");
            assertThat(committed(P0)).isEqualTo(5);
        } finally {
            sending.close();
        }
    }

    /**
     * A revocation committed what the sending thread had written, then took back the partition's datagrams still
     * queued: during the commit's round trip the thread went on writing them, delivered and not committed, and the
     * partition's new owner delivered them again. They are taken back first, and the commit counts what was written
     * then: only the one on its way to the socket may reach Wazuh twice.
     */
    @Test
    void withTheSendingThreadARevocationCommitsWhatWasWrittenBeforeItsDatagramsWereTakenBack() {
        sink.gate = new Semaphore(2); // the socket takes two datagrams, then the third write waits in it
        AlertPipeline.Mode mode = mode();
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try {
            DeliveryLoop loop = live(mode, sending, 0, 1000, P0);
            addEvents(P0, "a", "b", "c", "d", "e", "f");
            round(loop);
            assertThat(sending.submitted()).isEqualTo(6);
            await().atMost(Duration.ofSeconds(10)).until(() -> sending.written() == 2);
            duringCommitSync = () -> { // Wazuh reads again while the coordinator answers the commit
                sink.gate.release(100);
                await().atMost(Duration.ofSeconds(10)).until(() -> sending.written() == 6);
            };

            consumer.rebalance(List.of()); // revoked: waits 2 s for "c", in vain

            long committed = committed(P0);
            List<String> accepted = names(sink.accepted);
            assertThat(accepted.subList((int) Math.min(committed, accepted.size()), accepted.size()))
                    .as("delivered here and not committed: delivered again by the new owner").containsExactly("c");
            assertThat(committed).isEqualTo(2);
        } finally {
            duringCommitSync = () -> { };
            sending.close();
        }
    }

    /** The line a revocation says counts each datagram it took back once (a first version withdrew twice). */
    @Test
    void withTheSendingThreadARevocationSaysHowManyDatagramsItTookBackOnce() {
        sink.gate = new Semaphore(0); // the first write waits in the socket
        AlertPipeline.Mode mode = mode();
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try (LogLines lines = LogLines.of(DeliveryLoop.class).attach()) {
            DeliveryLoop loop = live(mode, sending, 0, 1000, P0);
            addEvents(P0, "a", "b", "c", "d", "e", "f");
            round(loop);
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.attempts > 0); // "a" on its way

            consumer.rebalance(List.of()); // revoked: waits 2 s for "a", in vain

            assertThat(lines.messages("of those partitions not written")).containsExactly(
                    "5 datagrams of those partitions not written: their new owner delivers them");
        } finally {
            sink.gate.release(100);
            sending.close();
        }
    }

    /**
     * With the sending thread an event's id enters the duplicate window when its datagram is handed over. Withdrawn
     * unwritten at a revocation, it stayed there: when the partition came back to this process (an eager rebalance
     * gives a member its partitions back), the records fetched again from the last commit were dropped as their own
     * duplicates and committed, never delivered.
     */
    @Test
    void withTheSendingThreadEventsWithdrawnAtARevocationAreDeliveredWhenThePartitionComesBack() {
        sink.refuse = datagram -> true; // Wazuh is down
        AlertPipeline.Mode mode = mode();
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try {
            DeliveryLoop loop = live(mode, sending, 0, 1000, P0);
            addEvents(P0, "a", "b", "c");
            await().atMost(Duration.ofSeconds(10)).until(sending::idle); // else it may refuse "a" before b is handed
            round(loop);
            assertThat(sending.submitted()).isEqualTo(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.attempts > 0); // the head refused, held

            consumer.rebalance(List.of()); // revoked: nothing written, nothing committed, all three withdrawn
            consumer.rebalance(List.of(P0)); // and given back to this member
            assertThat(committed(P0)).as("nothing past the start").isZero();
            sink.refuse = datagram -> false;
            addEvents(P0, 0, "a", "b", "c"); // fetched again from the last commit: the beginning
            for (int i = 0; i < 3; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
                assertThat(sending.awaitWritten(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(names(sink.accepted)).as("delivered once each, not dropped as duplicates")
                    .containsExactly("a", "b", "c");
            assertThat(committed(P0)).isEqualTo(3);
            assertThat(metrics.duplicatesTotal()).isZero();
        } finally {
            sending.close();
        }
    }

    /**
     * The datagram the thread is writing as its partition is revoked is not withdrawn (it may be written). When that
     * write then failed, the thread passed it over as withdrawn, but its id stayed in the duplicate window: when the
     * partition came back, its record was dropped as its own duplicate and committed, never delivered.
     */
    @Test
    void withTheSendingThreadADatagramOnItsWayAsItsPartitionIsRevokedAndThenRefusedIsDeliveredWhenItComesBack() {
        sink.entry = new Semaphore(0); // the write of "a" waits in the socket...
        sink.refuse = datagram -> true; // ...and is refused then: Wazuh went away meanwhile
        AlertPipeline.Mode mode = mode();
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try {
            DeliveryLoop loop = live(mode, sending, 0, 1000, P0);
            addEvents(P0, "a");
            round(loop);
            await().atMost(Duration.ofSeconds(10)).until(sink.entry::hasQueuedThreads);

            consumer.rebalance(List.of()); // revoked while "a" is on its way (waits 2 s for it, in vain)
            sink.entry.release(Integer.MAX_VALUE / 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> sending.written() == 1); // refused, passed over
            consumer.rebalance(List.of(P0)); // and given back to this member
            assertThat(committed(P0)).as("nothing past the start").isZero();
            sink.refuse = datagram -> false;
            addEvents(P0, 0, "a"); // fetched again from the last commit
            for (int i = 0; i < 2; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
                assertThat(sending.awaitWritten(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(names(sink.accepted)).as("delivered, not dropped as its own duplicate").containsExactly("a");
            assertThat(committed(P0)).isEqualTo(1);
            assertThat(metrics.duplicatesTotal()).isZero();
        } finally {
            sending.close();
        }
    }

    @Test
    void anEventTrimmedToFitIsTrimmedOnceAndRetriedAsItIsWhileTheQueueRefuses() {
        DeliveryLoop loop = live(0, 1000, P0);
        ObjectNode big = TestRecords.containerEvent("big", 1_764_000_000_000_000_000L);
        ((ObjectNode) big.path("Actor").path("Attributes")).put("blob", "x".repeat(300_000));
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32), big);
        consumer.addRecord(record(P0, 0, produced.headers(), produced.value()));
        sink.refuseFrom = 0;

        round(loop);
        tick(FIRST_RETRY);
        round(loop);
        sink.refuseFrom = Integer.MAX_VALUE;
        tick(2 * FIRST_RETRY);
        round(loop);

        assertThat(sink.attempted).as("refused twice, then taken").hasSize(3);
        assertThat(sink.attempted).as("the datagram trimmed once, kept with its record across the retries")
                .allSatisfy(datagram -> assertThat(datagram).isSameAs(sink.attempted.get(0)));
        assertThat(TestRecords.alert(sink.attempted.get(0)).path("truncated").asBoolean()).isTrue();
    }

    @Test
    void eachEventIsMeasuredFromItsRecordTimeToTheSocketAcceptingItsAlertOnce() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b", "c");
        addEvents(P0, 3, "a"); // the same event again: dropped, not measured
        sink.refuseFrom = 1;
        tick(1_500_000_000L);

        round(loop);
        assertThat(deliveryLatency().getCount()).as("a, accepted 1.5 s after its record time").isEqualTo(1);

        sink.refuseFrom = Integer.MAX_VALUE;
        tick(1_000_000_000L);
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b", "c");
        HistogramSnapshot.HistogramDataPointSnapshot latency = deliveryLatency();
        assertThat(latency.getCount()).as("one per event accepted").isEqualTo(3);
        assertThat(latency.getSum()).as("1.5 s, then 2.5 s twice (b waited for the refusal)").isEqualTo(6.5);
        assertThat(cumulative(latency, 1.0)).isZero();
        assertThat(cumulative(latency, 2.5)).isEqualTo(3);
    }

    @Test
    void pausesEveryPartitionAndRetriesWithDoublingBackoffUntilTheSinkTakesAgain() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a", "b");
        sink.refuseFrom = 0;

        round(loop);
        assertThat(sink.attempts).isEqualTo(1);
        assertThat(consumer.paused()).as("fetching stops, polling goes on").containsExactlyInAnyOrder(P0, P1);
        assertThat(metrics.pausedNow()).isEqualTo(1);

        round(loop); // no time passed: no retry
        assertThat(sink.attempts).isEqualTo(1);
        tick(FIRST_RETRY);
        round(loop);
        assertThat(sink.attempts).as("first retry after 100 ms").isEqualTo(2);
        tick(FIRST_RETRY);
        round(loop);
        assertThat(sink.attempts).as("the second waits twice as long").isEqualTo(2);
        tick(FIRST_RETRY);
        round(loop);
        assertThat(sink.attempts).isEqualTo(3);

        sink.refuseFrom = Integer.MAX_VALUE;
        tick(4 * FIRST_RETRY);
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b");
        assertThat(consumer.paused()).isEmpty();
        assertThat(metrics.pausedNow()).isZero();

        sink.refuseFrom = sink.accepted.size(); // refused again: the backoff starts over from 100 ms
        addEvents(P0, 2, "c");
        round(loop);
        int attempts = sink.attempts;
        tick(FIRST_RETRY);
        round(loop);
        assertThat(sink.attempts).isEqualTo(attempts + 1);
    }

    @Test
    void recordsThatNeedNoDatagramGoOnWhileTheWazuhQueueRefusesWithoutEndingThePauseOrResettingItsBackoff() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a", "b");
        long t0 = 1_764_000_000_000_000_000L;
        for (int i = 0; i < 256; i++) { // a fleet's heartbeats, four turns of them
            consumer.addRecord(heartbeat(P1, i, t0 + i * 1_000_000L, "%032x".formatted(i)));
        }
        sink.refuseFrom = 1; // "a" taken, then Wazuh is down: the next round starts with P1's turn
        try (LogLines log = changesLog()) {
            round(loop);
            assertThat(log.messages("paused:")).hasSize(1);
            for (int i = 0; i < 4; i++) {
                tick(FIRST_RETRY);
                round(loop);
            }
            assertThat(sink.attempts).as("a, b, then retries at 100 and 300 ms: the backoff doubles").isEqualTo(4);
            assertThat(metrics.heartbeatsTotal()).as("they need no Wazuh: a turn of them went at the first retry")
                    .isEqualTo(64);
            assertThat(log.messages("resumed")).as("no datagram went through").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);
            assertThat(metrics.pausedNow()).isEqualTo(1);

            sink.refuseFrom = Integer.MAX_VALUE;
            tick(4 * FIRST_RETRY);
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("a", "b");
            assertThat(log.messages("resumed")).hasSize(1);
            assertThat(metrics.pausedNow()).isZero();
        }
    }

    /**
     * The refused record's partition revoked, another's records still in Kafka (its fetching stopped by the pause):
     * a round with nothing to try ended the pause, and the next record fetched started it again (two lines, the
     * backoff back at 100 ms, /healthz's bound started over: at each rebalance of an outage).
     */
    @Test
    void aPauseGoesOnWhenTheRefusedRecordsPartitionIsRevokedWhileAnotherHasRecordsLeftInKafka() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a");
        sink.refuseFrom = 0;
        try (LogLines log = changesLog()) {
            round(loop);
            assertThat(consumer.paused()).as("fetching stops").contains(P1);
            consumer.updateEndOffsets(Map.of(P1, 1L)); // "b" is in Kafka, not fetched
            consumer.rebalance(List.of(P1));
            tick(FIRST_RETRY);
            round(loop); // a retry with nothing to try
            addEvents(P1, 0, "b"); // (the mock keeps a record only for the next poll)
            for (int i = 0; i < 3; i++) {
                tick(4 * FIRST_RETRY);
                round(loop);
            }
            assertThat(log.messages("resumed")).as("Wazuh still refuses, and b waited in Kafka").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);
            assertThat(sink.attempts).as("a, then b").isGreaterThan(1);

            sink.refuseFrom = Integer.MAX_VALUE;
            tick(Duration.ofSeconds(10).toNanos()); // the longest backoff
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("b");
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    /**
     * With no record left to try (the refused one's partition went to another member, and the partitions left are
     * quiet, or none is left), the pause lasted until a record came, /healthz unhealthy meanwhile.
     */
    @Test
    void aPauseOfTheWazuhQueueWhoseRefusedRecordWasRevokedEndsAtTheNextRetryEvenWithNothingToDeliver() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a");
        sink.refuseFrom = 0;
        try (LogLines log = changesLog()) {
            round(loop);
            assertThat(log.messages("paused:")).hasSize(1);
            consumer.rebalance(List.of(P1)); // "a" is another forwarder's now; P1 has no record
            tick(FIRST_RETRY);
            round(loop);
            assertThat(log.messages("resumed")).as("nothing left here refuses: not paused for good").hasSize(1);
            assertThat(metrics.pausedNow()).isZero();
            tick(Duration.ofSeconds(60).toNanos()); // the loop's unhealthy-after
            round(loop);
            assertThat(loop.healthy()).isTrue();
        }
    }

    /**
     * A gate on a Wazuh daemon's state holds delivery for one cause while the numbers its words give change at each
     * write (analysisd's queue 50, 51 … 67 % full, for 90 s): one {@code paused} line, not a {@code still paused,
     * now:} line at each retry (the words were compared: one every 5 s, 720 an hour while the queue stayed half
     * full), and no socket error, for nothing was sent (each hold was counted as a failed send).
     */
    @Test
    void aGateHoldingDeliveryWhileOnlyItsNumbersChangeSaysOnePausedLineAndCountsNoSocketError(@TempDir Path run)
            throws Exception {
        Path state = run.resolve("wazuh-analysisd.state");
        analysisdState(state, 50);
        List<String> refusals = new ArrayList<>();
        try (AlertSink gate = new AnalysisdStateGate(sink, state, dropped -> { }, new WazuhHeld(), () -> now,
                this::wallMillis);
             LogLines log = changesLog()) {
            DeliveryLoop loop = live(noting(gate, refusals), P0);
            addEvents(P0, "a");
            for (int second = 0; second < 90; second++) {
                if (second % 5 == 0) {
                    analysisdState(state, 50 + second / 5); // analysisd writes its state every 5 s
                }
                round(loop);
                tick(TimeUnit.SECONDS.toNanos(1));
            }
            assertThat(refusals.stream().distinct().count()).as("read again at the retries: other numbers each time")
                    .isGreaterThanOrEqualTo(10);
            assertThat(refusals).last().asString().contains("67 % full");
            assertThat(log.messages("paused:")).singleElement().asString()
                    .contains("wazuh-analysisd's event queue is 50 % full");
            assertThat(log.messages("still paused")).as("the same cause throughout").isEmpty();
            assertThat(metrics.pausedNow()).isOne();
            assertThat(sink.attempts).as("nothing was sent").isZero();
            assertThat(metrics.socketErrorsTotal()).as("a hold is no failed send").isZero();

            analysisdState(state, 20);
            tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("a");
            assertThat(log.messages("resumed")).hasSize(1);
            assertThat(metrics.socketErrorsTotal()).isZero();
        }
    }

    /**
     * The cause changes (the agent's buffer filling, then the agent not connected, then its buffer filling again),
     * while the buffer's count changes at each write: a {@code still paused, now:} line at each change of cause, and
     * at no retry in between.
     */
    @Test
    void aGateHoldingDeliveryForAnotherCauseSaysSoOnceAtEachChange(@TempDir Path run) throws Exception {
        Path state = run.resolve("wazuh-agentd.state");
        try (AlertSink gate = new AgentStateGate(sink, state, 5000, new WazuhHeld(), () -> now, this::wallMillis);
             LogLines log = changesLog()) {
            DeliveryLoop loop = live(gate, P0);
            addEvents(P0, "a");
            for (int second = 0; second < 100; second++) {
                if (second % 5 == 0) { // agentd writes its state every 5 s
                    agentdState(state, second >= 30 && second < 60 ? "disconnected" : "connected", 2600 + 10 * second);
                }
                round(loop);
                tick(TimeUnit.SECONDS.toNanos(1));
            }
            assertThat(log.messages("paused:")).singleElement().asString()
                    .contains("the Wazuh agent's buffer holds 2600 of its 5000 events");
            assertThat(log.messages("still paused, now:")).satisfiesExactly(
                    line -> assertThat(line).contains("the Wazuh agent is not connected to its manager"),
                    line -> assertThat(line).contains("the Wazuh agent's buffer holds"));
            assertThat(metrics.socketErrorsTotal()).isZero();
        }
    }

    @Test
    void aRevokedPartitionIsCommittedUpToWhatWasDeliveredAndItsWaitingRecordsAreForgotten() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P1, "p1-ok", "p1-blocked", "p1-blocked-too");
        sink.refuse = datagram -> datagram.contains("blocked");

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("p1-ok");

        consumer.rebalance(List.of(P0)); // P1 goes to another member
        assertThat(committed(P1)).as("committed on revocation: what was delivered, nothing after").isEqualTo(1);

        sink.refuse = datagram -> false;
        addEvents(P0, "p0");
        tick(10 * FIRST_RETRY);
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(names(sink.accepted)).as("P1's waiting records are left to its new owner")
                .containsExactly("p1-ok", "p0");
        assertThat(committed(P0)).isEqualTo(1);
        assertThat(committed(P1)).isEqualTo(1);
    }

    @Test
    void pacingSendsNoFasterThanTheRateAndPollsNoLongerThanTheWait() {
        DeliveryLoop loop = live(10, 1000, P0); // 10 a second: a burst of 1, then one each 100 ms
        addEvents(P0, "a", "b", "c", "d");

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a");
        round(loop);
        assertThat(names(sink.accepted)).as("no time passed").containsExactly("a");
        assertThat(consumer.lastPollTimeout()).as("the poll waits for the pacer, not longer")
                .isLessThanOrEqualTo(Duration.ofMillis(100));
        tick(100_000_000L);
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b");
        tick(250_000_000L);
        round(loop);
        assertThat(names(sink.accepted)).as("no burst beyond 1/20 s worth").containsExactly("a", "b", "c");
        assertThat(sink.attempts).as("a paced record is never offered early").isEqualTo(3);
    }

    /**
     * Paced, the partitions take turns: the first partition of the assignment no longer takes every datagram the
     * pacer lets go while it has a backlog (one host's restart loop held back every other host of the forwarder).
     */
    @Test
    void pacedPartitionsTakeTurnsSoABacklogInOneDoesNotHoldBackTheOthers() {
        DeliveryLoop loop = live(10, 1000, P0, P1);
        addEvents(P0, "busy-0", "busy-1", "busy-2", "busy-3", "busy-4", "busy-5", "busy-6", "busy-7");
        addEvents(P1, "quiet");

        for (int i = 0; i < 4; i++) {
            round(loop);
            tick(100_000_000L);
        }
        assertThat(names(sink.accepted)).hasSize(4).contains("quiet");
    }

    /**
     * Two partitions with a backlog share the pacer evenly, whatever lies between them: a round starts after the
     * last partition that sent. Starting one further on each round gave the busy partition after two idle ones
     * three turns in four.
     */
    @Test
    void pacedBacklogsShareThePacerEvenlyWhateverIdlePartitionsLieBetween() {
        DeliveryLoop loop = live(10, 1000, P0, P1, P2, P3);
        for (int i = 0; i < 20; i++) {
            consumer.addRecord(event(P0, i, "zero-" + i));
            consumer.addRecord(event(P3, i, "three-" + i));
        }
        for (int i = 0; i < 20; i++) {
            round(loop);
            tick(100_000_000L);
        }
        List<String> sent = names(sink.accepted);
        assertThat(sent.stream().filter(n -> n.startsWith("zero-")).count()).as("%s", sent).isBetween(8L, 12L);
        assertThat(sent.stream().filter(n -> n.startsWith("three-")).count()).as("%s", sent).isBetween(8L, 12L);
    }

    /**
     * Heartbeats of one host each more than three intervals after the one before (any writer of the topic can make
     * them) make a silent-host and a host-back alert each: they no longer queue without bound, sent before every
     * other partition's record; they wait while {@link AlertPipeline#MAX_STATE_ALERTS} are queued, and every alert
     * still goes out.
     */
    @Test
    void forgedHeartbeatsQueueBoundedAlertsThatTakeTurnsWithTheOtherPartitions() {
        DeliveryLoop loop = live(10, 10_000, P0, P1);
        long t0 = 1_764_000_000_000_000_000L;
        int heartbeats = 300;
        for (int i = 0; i < heartbeats; i++) {
            consumer.addRecord(heartbeat(P0, i, t0 + i * 4 * HEARTBEAT_INTERVAL.toNanos()));
        }
        round(loop);
        addEvents(P1, "quiet");

        for (int i = 0; i < 4; i++) {
            tick(100_000_000L);
            round(loop);
        }
        assertThat(names(sink.accepted)).as("before: after the 598 host alerts, a minute at 10 a second")
                .contains("quiet");
        for (int i = 0; i < 20; i++) {
            tick(100_000_000L);
            round(loop);
        }
        assertThat(counter("dwb_forwarder_heartbeats")).as("heartbeats taken while their alerts wait")
                .isLessThanOrEqualTo(AlertPipeline.MAX_STATE_ALERTS / 2 + sink.accepted.size());
        for (int i = 0; i < 700 && sink.accepted.size() < 2 * (heartbeats - 1) + 1; i++) {
            tick(100_000_000L);
            round(loop);
        }
        assertThat(sink.accepted).filteredOn(d -> d.contains("\"host-back\"")).hasSize(heartbeats - 1);
        assertThat(sink.accepted).filteredOn(d -> d.contains("\"silent-host\"")).hasSize(heartbeats - 1);
    }

    /**
     * A writer of the topic made 50,000 hosts silent at once (heartbeats of new host ids, heard once): each check
     * queued every one's alert, formatted, up to 165 MB of them.
     */
    @Test
    void aMassSilenceQueuesNoMoreHostAlertsThanTheBoundAndSendsEachOneInTime() {
        int hosts = 1000;
        DeliveryLoop loop = silentJustAfterNow(hosts);
        int mostQueued = 0;
        for (int i = 0; i < 200 && sink.accepted.size() < hosts; i++) {
            tick(100_000_000L);
            round(loop);
            mostQueued = Math.max(mostQueued, pipeline.stateAlertsQueued());
        }
        assertThat(mostQueued).isPositive().isLessThanOrEqualTo(AlertPipeline.MAX_STATE_ALERTS);
        assertThat(sink.accepted).filteredOn(d -> d.contains("\"silent-host\"")).hasSize(hosts);
    }

    /**
     * Hosts of a mass silence past what a check reports wait in the watch for the next checks: a revocation's commit
     * once the queued alerts were sent said no host alert waited, and the partition's next owner took the hosts never
     * reported as reported (no silent-host for them, then a host-back with none before it). Its mark now says alerts
     * wait, and the next owner reports every silent host again.
     */
    @Test
    void hostsSilentAndNotReportedYetAreAlertsWaitingForTheNextOwner() {
        int hosts = 1000;
        DeliveryLoop loop = silentJustAfterNow(hosts);
        for (int i = 0; i < 200 && (pipeline.stateAlertsQueued() > 0 || sink.accepted.isEmpty()); i++) {
            tick(100_000_000L);
            round(loop);
        }
        assertThat(sink.accepted).as("a check's worth sent, the rest not reported yet").hasSizeBetween(1, hosts - 1);
        assertThat(pipeline.stateAlertsQueued()).isZero();

        consumer.rebalance(List.of());
        assertThat(WatchHandover.Mark.of(lastCommitted.get(P0)).alertsUnsent()).isTrue();
    }

    @Test
    void aFloodOfSilentAndReturningHostsLogsTwentyLinesAMinuteOfEachThenHowManyMore() {
        try (LogLines logged = changesLog()) {
            DeliveryLoop loop = live(10_000, 10_000, P0);
            long t0 = 1_764_000_000_000_000_000L;
            int heartbeats = 100; // each four intervals after the last: a silent-host and a host-back alert each
            for (int i = 0; i < heartbeats; i++) {
                consumer.addRecord(heartbeat(P0, i, t0 + i * 4 * HEARTBEAT_INTERVAL.toNanos()));
            }
            for (int i = 0; i < 20 && sink.accepted.size() < 2 * (heartbeats - 1); i++) {
                tick(100_000_000L);
                round(loop);
            }
            assertThat(sink.accepted).as("every alert sent").filteredOn(d -> d.contains("\"silent-host\""))
                    .hasSize(heartbeats - 1);
            assertThat(logged.messages("is silent:")).hasSize(StateChanges.HOST_LINES_PER_MINUTE);
            assertThat(logged.messages("is back:")).hasSize(StateChanges.HOST_LINES_PER_MINUTE);
            assertThat(logged.messages("more host(s)")).as("not before the minute is over").isEmpty();

            tick(60_000_000_000L);
            round(loop);
            assertThat(logged.messages("more host(s)")).containsExactly("79 more host(s) became silent and 79 more "
                    + "came back within a minute than are logged one by one (20 a minute each): each has its alert "
                    + "in Wazuh, and dwb_forwarder_alerts_sent_total{kind=\"silent-host\"} and "
                    + "{kind=\"host-back\"} count them");
            runFor(loop, 4 * HEARTBEAT_INTERVAL.toNanos());
            assertThat(logged.messages("is silent:")).as("the last heartbeat's host, silent in a new minute")
                    .hasSize(StateChanges.HOST_LINES_PER_MINUTE + 1);
        }
    }

    @Test
    void aPartitionWithTooManyRecordsWaitingIsPausedUntilItDrains() {
        DeliveryLoop loop = live(10, 3, P0, P1);
        addEvents(P0, "a", "b", "c", "d");

        round(loop);
        assertThat(consumer.paused()).as("3 or more waiting: no more fetched").containsExactly(P0);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("2 waiting").isEmpty();
    }

    @Test
    void recordsHeldUpToTheMemoryBoundPauseEveryPartitionUntilTheyDrain() {
        budget = new PollBudget(3 * PollBudget.size(event(P0, 0, "a"))); // three of these records
        DeliveryLoop loop = live(10, 1000, P0, P1);
        addEvents(P0, "a", "b", "c", "d");

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a");
        assertThat(consumer.paused()).as("3 records' bytes held: nothing more fetched, on any partition")
                .containsExactlyInAnyOrder(P0, P1);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("2 held").isEmpty();
    }

    @Test
    void fetchingPausedAtTheMemoryBoundResumesOnlyOnceAQuarterOfTheBoundIsDelivered() {
        // Resumed as soon as one record was delivered, a paced forwarder holding a backlog fetched a response of up to
        // a quarter of the bound for each record it sent, took one and paused again: 34 MB/s of fetch buffers at
        // 50 alerts/s, a full collection every half second (FetchMemoryTest's backlog).
        budget = new PollBudget(8 * PollBudget.size(event(P0, 0, "a"))); // eight of these records
        DeliveryLoop loop = live(10, 1000, P0, P1); // paced: one record a round of 100 ms
        addEvents(P0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

        round(loop);
        assertThat(consumer.paused()).as("9 records held: past the bound").containsExactlyInAnyOrder(P0, P1);
        tick(100_000_000L);
        round(loop);
        tick(100_000_000L);
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b", "c");
        assertThat(consumer.paused()).as("7 held: under the bound, above three quarters of it")
                .containsExactlyInAnyOrder(P0, P1);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("6 held: three quarters of the bound").isEmpty();
    }

    @Test
    void aPollThatDeferredARecordNearTheBoundPausesFetchingUntilAQuarterOfTheBoundIsDelivered() {
        long one = PollBudget.size(event(P0, 0, "a"));
        budget = new PollBudget(12 * one);
        DeliveryLoop loop = live(10, 1000, P0, P1);
        addEvents(P0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k");
        consumer.addRecord(deferred(P0, 11, 2 * one)); // the poll's allowance met: 11 held, no room for 2 more

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a");
        assertThat(consumer.paused()).as("10 held, under the bound, but a poll met it: nothing fetched")
                .containsExactlyInAnyOrder(P0, P1);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("9 held: three quarters of the bound").isEmpty();
    }

    @Test
    void aRecordDeferredByThePollsBudgetIsFetchedAgainFromItsOffsetAndNothingIsSkipped() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b");
        consumer.addRecord(deferred(P0, 2, PollBudget.size(event(P0, 2, "c")))); // a poll that met the bound after b
        consumer.addRecord(event(P0, 3, "d")); // after a deferred one: fetched again too

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b");
        assertThat(consumer.position(P0)).as("sought back to the first deferred record").isEqualTo(2);
        assertThat(metrics.refetchedTotal()).isEqualTo(2);
        assertThat(metrics.consumedTotal()).isEqualTo(2);

        addEvents(P0, 2, "c", "d"); // fetched again, whole
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b", "c", "d");
        assertThat(committed(P0)).isEqualTo(4);
    }

    @Test
    void aPartitionWhoseDeferredRecordDoesNotFitYetIsPausedInsteadOfFetchingItAgainAtEachPoll() {
        long one = PollBudget.size(event(P0, 0, "a"));
        budget = new PollBudget(10 * one);
        DeliveryLoop loop = live(10, 1000, P0, P1);
        addEvents(P0, "a", "b", "c");
        consumer.addRecord(deferred(P0, 3, 8 * one + 1)); // room for it once b is delivered, not before

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a");
        assertThat(consumer.position(P0)).isEqualTo(3);
        assertThat(consumer.paused()).as("b and c held: no room for it yet, P0 waits, P1 fetches")
                .containsExactly(P0);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("c held: it fits").isEmpty();
    }

    @Test
    void aDeferredRecordLargerThanTheBoundPausesEveryOtherPartitionUntilItIsTakenAlone() {
        long one = PollBudget.size(event(P0, 0, "a"));
        budget = new PollBudget(10 * one);
        DeliveryLoop loop = live(10, 1000, P0, P1);
        addEvents(P0, "a", "b");
        consumer.addRecord(deferred(P0, 2, 20 * one));

        round(loop);
        assertThat(consumer.paused()).as("b held: the large one waits, and P1 with it")
                .containsExactlyInAnyOrder(P0, P1);
        tick(100_000_000L);
        round(loop);
        assertThat(consumer.paused()).as("nothing held: only the large one's partition fetches").containsExactly(P1);
        consumer.addRecord(event(P0, 2, "large")); // fetched again, taken first and alone
        tick(100_000_000L);
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b", "large");
        assertThat(consumer.paused()).isEmpty();
    }

    /** What a poll returns for a record the budget deferred: markers, its size as the broker's record had it. */
    private ConsumerRecord<byte[], byte[]> deferred(TopicPartition tp, long offset, long size) {
        budget.open(budget.maxBytes());
        byte[] value = budget.values().deserialize(TOPIC, new RecordHeaders(), ByteBuffer.wrap(new byte[1]));
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, RECORD_TIME_MS, TimestampType.CREATE_TIME,
                0, (int) size - PollBudget.RECORD_OVERHEAD_BYTES, null, value, new RecordHeaders(), Optional.empty());
    }

    @Test
    void aDuplicateIsNotSentAgainButIsCommitted() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "a", "b"); // the same event twice (same host, time and id): the listener re-published it

        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b");
        assertThat(metrics.duplicatesTotal()).isEqualTo(1);
        assertThat(committed(P0)).isEqualTo(3);
    }

    @Test
    void invalidRecordsBetweenEventsAreDeadLetteredWithoutWaitingForEachAcknowledgementAndCommittedOnceAcknowledged() {
        MockProducer<byte[], byte[]> dlq = pendingProducer(); // acknowledgements come when the test says
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        int pairs = 20; // a writer of the topic puts a record that is not JSON before each event
        for (int i = 0; i < pairs; i++) {
            addNotJson(P1, 2 * i, 1);
            addEvents(P1, 2 * i + 1, "e" + i);
        }

        round(loop);
        assertThat(names(sink.accepted)).as("every event delivered while the letters are in flight").hasSize(pairs);
        assertThat(dlq.history()).as("every letter sent, none acknowledged yet").hasSize(pairs);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P1)).as("nothing past the first letter not acknowledged: its start").isEqualTo(0);

        for (int i = 0; i < 10; i++) {
            dlq.completeNext();
        }
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P1)).as("up to the eleventh letter, at offset 20").isEqualTo(20);

        while (dlq.completeNext()) {
            // the rest acknowledged
        }
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P1)).isEqualTo(2 * pairs);
        assertThat(metrics.deadLetteredTotal()).isEqualTo(pairs);
    }

    /**
     * A listener newer than the forwarders writes a gap of a contract version they do not read: dead-lettered
     * ({@code newer-contract}), kept to be published again. Before, nothing reached Wazuh of it: the one word that
     * events were lost was in the forwarder's log and metrics alone. Now a {@code records-dead-lettered} alert
     * (110118, level 10, for a gap) follows once the letter is written, apart from the letters of events around it,
     * which a writer of invalid records makes one alert a minute, not one a record.
     */
    @Test
    void aGapOfANewerListenerDeadLetteredIsSaidInWazuhAndLettersOfEventsOnceAMinuteCounted() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        ProducerRecord<byte[], byte[]> gap = TestRecords.bridge(TOPIC, "web-9", "ENGINE-9", "gap",
                "{\"from\":\"2026-11-27T03:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        gap.headers().add(HeaderNames.CONTRACT_VERSION, HeaderNames.utf8(
                String.valueOf(io.dwb.schemas.ContractVersion.CURRENT + 1)));
        consumer.addRecord(record(P1, 0, gap.headers(), gap.value()));
        addNotJson(P1, 1, 3);
        addEvents(P1, 4, "after");

        round(loop);
        assertThat(names(sink.accepted)).containsExactly("after");
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        assertThat(deadLetterAlerts()).as("said once the letters are written, not before").isEmpty();
        while (dlq.completeNext()) {
            // written
        }
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        assertThat(deadLetterAlerts()).hasSize(2);
        JsonNode ofGap = deadLetterAlerts().get(0);
        assertThat(ofGap.path("docker_bridge").path("recordKind").asText()).isEqualTo("gap");
        assertThat(ofGap.path("docker_bridge").path("reason").asText()).isEqualTo("newer-contract");
        assertThat(ofGap.path("docker_bridge").path("records").asLong()).isOne();
        assertThat(ofGap.path("docker_host").path("name").asText()).isEqualTo("web-9");
        JsonNode ofEvents = deadLetterAlerts().get(1);
        assertThat(ofEvents.path("docker_bridge").path("recordKind").asText()).isEqualTo("event");
        assertThat(ofEvents.path("docker_bridge").path("reason").asText()).isEqualTo("not-json");
        assertThat(ofEvents.path("docker_bridge").path("records").asLong()).isEqualTo(3);
        assertThat(ofEvents.path("docker_bridge").path("offset").asLong()).isOne();

        addNotJson(P1, 5, 50);
        runFor(loop, TimeUnit.SECONDS.toNanos(10));
        while (dlq.completeNext()) {
            // written
        }
        runFor(loop, TimeUnit.SECONDS.toNanos(30));
        assertThat(deadLetterAlerts()).as("within the minute").hasSize(2);
        runFor(loop, TimeUnit.SECONDS.toNanos(30));
        assertThat(deadLetterAlerts()).hasSize(3);
        assertThat(deadLetterAlerts().get(2).path("docker_bridge").path("records").asLong()).isEqualTo(50);
        assertThat(committed(P1)).isEqualTo(55);
    }

    /**
     * A stop commits past the letters written: those counted and not said yet (within the minute of the last alert
     * of their partition, reason and kind) are said before, whatever the minute. Before, a forwarder stopped (a
     * rolling upgrade) in that minute took them with it, and after the restart nobody said them: a newer listener's
     * second gap, of another host, never reached Wazuh.
     */
    @Test
    void aStopSaysTheDeadLettersNotSaidYetBeforeItCommitsPastThem() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        consumer.addRecord(record(P1, 0, newerGap("web-1").headers(), newerGap("web-1").value()));
        round(loop);
        while (dlq.completeNext()) {
            // written
        }
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        assertThat(deadLetterAlerts()).hasSize(1);
        consumer.addRecord(record(P1, 1, newerGap("web-1").headers(), newerGap("web-1").value()));
        consumer.addRecord(record(P1, 2, newerGap("web-2").headers(), newerGap("web-2").value()));
        addNotJson(P1, 3, 2);
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        while (dlq.completeNext()) {
            // written
        }
        runFor(loop, TimeUnit.SECONDS.toNanos(10));
        assertThat(deadLetterAlerts()).as("web-2's gap said at once (a gap is said for its own host), and the first "
                + "letters of events").extracting(DeliveryLoopTest::said).containsExactly("gap 1 web-1",
                "gap 1 web-2", "event 2 ");
        addNotJson(P1, 5, 3);
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        while (dlq.completeNext()) {
            // written
        }
        runFor(loop, TimeUnit.SECONDS.toNanos(2));
        assertThat(deadLetterAlerts()).as("web-1's second gap and the events' letters wait for their minute")
                .hasSize(3);

        loop.stop();
        loop.finish();
        assertThat(deadLetterAlerts()).extracting(DeliveryLoopTest::said).hasSize(5).endsWith("gap 1 web-1",
                "event 3 ");
        assertThat(committed(P1)).isEqualTo(8);
    }

    /**
     * Saying the dead letters at a stop fails unforeseen: the stop still makes its final commit (before, what was
     * delivered since the last periodic commit came again after the restart).
     */
    @Test
    void aStopCommitsEvenWhenSayingItsDeadLettersFails() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        addEvents(P1, 1, "after");
        round(loop);
        while (dlq.completeNext()) {
            // written
        }
        round(loop); // within the second: the letter counted, not said yet
        assertThat(names(sink.accepted)).containsExactly("after");
        sink.fail = datagram -> datagram.contains("records-dead-lettered");
        loop.stop();
        loop.finish();
        assertThat(committed(P1)).isEqualTo(2);
        assertThat(deadLetterAlerts()).isEmpty();
    }

    /** A records-dead-lettered alert in short: the record kind, how many, the host. */
    private static String said(JsonNode alert) {
        return alert.path("docker_bridge").path("recordKind").asText() + " "
                + alert.path("docker_bridge").path("records").asLong() + " "
                + alert.path("docker_host").path("name").asText();
    }

    /** A gap of {@code host} in a contract version this forwarder does not read: a newer listener's. */
    private static ProducerRecord<byte[], byte[]> newerGap(String host) {
        ProducerRecord<byte[], byte[]> gap = TestRecords.bridge(TOPIC, host, "ID-" + host, "gap",
                "{\"from\":\"2026-11-27T03:00:00Z\"}".getBytes(StandardCharsets.UTF_8));
        gap.headers().add(HeaderNames.CONTRACT_VERSION, HeaderNames.utf8(
                String.valueOf(io.dwb.schemas.ContractVersion.CURRENT + 1)));
        return gap;
    }

    private List<JsonNode> deadLetterAlerts() {
        return sink.accepted.stream().map(d -> (JsonNode) TestRecords.alert(d.getBytes(StandardCharsets.UTF_8)))
                .filter(a -> a.path("docker_bridge").path("event").asText().equals("records-dead-lettered"))
                .toList();
    }

    @Test
    void atMostTwoHundredFiftySixLettersAreInFlightTheNextInvalidRecordWaitsForRoom() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        int invalid = LettersInFlight.MAX + 44;
        addNotJson(P1, 0, invalid);
        addEvents(P1, invalid, "after");

        for (int i = 0; i < 10; i++) {
            round(loop);
        }
        assertThat(dlq.history()).hasSize(LettersInFlight.MAX);
        assertThat(sink.accepted).as("the event after them waits its turn").isEmpty();
        assertThat(consumer.lastPollTimeout()).as("the loop waits for room, it does not spin").isPositive();

        while (dlq.completeNext()) {
            // acknowledged
        }
        round(loop);
        while (dlq.completeNext()) {
            // the rest, acknowledged
        }
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(dlq.history()).hasSize(invalid);
        assertThat(names(sink.accepted)).containsExactly("after");
        assertThat(committed(P1)).isEqualTo(invalid + 1);
    }

    /**
     * Each letter in flight is a copy of its record in the producer's buffer, beside the record itself (held until
     * the letter is acknowledged): uncounted, records of 1.5 MB of headers ran the launcher's heap out
     * ({@code LargeRecordsTest}).
     */
    @Test
    void aLetterInFlightCountsInTheMemoryBoundBesideItsRecord() {
        budget = new PollBudget(10_000);
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        consumer.addRecord(record(P1, 0, new RecordHeaders(), new byte[6_000])); // not JSON
        round(loop);
        round(loop);
        assertThat(consumer.paused()).as("the record and its letter: 13 KB of the 10 KB bound").contains(P1);

        dlq.completeNext();
        round(loop);
        round(loop);
        assertThat(consumer.paused()).isEmpty();
    }

    @Test
    void anOutageOfTheTopicPausesDeliveryAndSendsTheFailedLetterAgainNothingSkipped() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addEvents(P1, 0, "a");
        addNotJson(P1, 1, 1);
        addEvents(P1, 2, "b");
        addNotJson(P1, 3, 1);
        addEvents(P1, 4, "c");
        round(loop);
        assertThat(names(sink.accepted)).containsExactly("a", "b", "c");

        dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")); // after its retries
        dlq.completeNext();
        addEvents(P1, 5, "d");
        for (int i = 0; i < 3; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(names(sink.accepted)).as("paused while the letter is not written").containsExactly("a", "b", "c");
        assertThat(committed(P1)).as("not past the letter not written").isEqualTo(1);
        assertThat(dlq.history()).extracting(r -> header(r, HeaderNames.ERROR_OFFSET))
                .as("sent again at the retry, once").containsExactly("1", "3", "1");

        dlq.completeNext(); // the topic is back
        for (int i = 0; i < 20 && committed(P1) < 6; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(names(sink.accepted)).containsExactly("a", "b", "c", "d");
        assertThat(committed(P1)).isEqualTo(6);
        assertThat(dlq.history()).hasSize(3);
    }

    @Test
    void aSendRefusedAtOnceStopsTheLettersUntilTheTopicIsBack() {
        int invalid = 50;
        java.util.concurrent.atomic.AtomicBoolean topicBack = new java.util.concurrent.atomic.AtomicBoolean();
        // After the first letter: what Kafka's producer answers after waiting max.block.ms (10 s) for the metadata.
        RefusingProducer dlq = new RefusingProducer(sent -> sent > 0 && !topicBack.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, invalid);

        round(loop);
        assertThat(dlq.refused).as("behind a letter in flight: one wait for the metadata, not one a letter")
                .isEqualTo(1);

        topicBack.set(true);
        acknowledgeUntilCommitted(loop, dlq, invalid);
        assertThat(committed(P1)).isEqualTo(invalid);
        assertThat(dlq.history()).hasSize(invalid);
    }

    /**
     * A topic whose WRITE was taken away refuses every letter until it is granted again: delivery pauses, in one ERROR
     * line that names the fix, and goes on by itself once granted. It stopped the forwarder (exit 1): leaving the
     * group, it handed the record to another member, which stopped the same way, and so on through the group.
     */
    @Test
    void aTopicThatDeniesWritingPausesDeliveryInAnErrorLineNamingTheFixUntilWriteIsGranted() {
        java.util.concurrent.atomic.AtomicBoolean denied = new java.util.concurrent.atomic.AtomicBoolean();
        RefusingProducer dlq = new RefusingProducer(sent -> denied.get(),
                () -> new org.apache.kafka.common.errors.TopicAuthorizationException("not allowed"));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        round(loop);
        dlq.completeNext(); // written before the forwarder's WRITE was taken away
        denied.set(true);
        addNotJson(P1, 1, 1);
        addEvents(P1, 2, "a");
        try (LogLines log = changesLog()) {
            for (int i = 0; i < 5; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages(Level.ERROR, "paused: not allowed to write to the dead-letter topic "
                    + TOPIC + "-dlq")).singleElement().asString()
                    .contains("grant the forwarder's principal WRITE on it, or set --dlq-topic");
            assertThat(metrics.pausedNow()).isEqualTo(1);
            assertThat(committed(P1)).as("past the letter written, not past the refused one").isEqualTo(1);

            addEvents(P1, 3, "b");
            tick(Duration.ofSeconds(60).toNanos());
            round(loop);
            assertThat(names(sink.accepted)).as("delivered before the pause, nothing since").containsExactly("a");
            assertThat(loop.healthy()).as("paused longer than --unhealthy-after").isFalse();

            denied.set(false); // granted
            acknowledgeUntilCommitted(loop, dlq, 4);
            assertThat(committed(P1)).isEqualTo(4);
            assertThat(names(sink.accepted)).containsExactly("a", "b");
            assertThat(dlq.history()).extracting(r -> header(r, HeaderNames.ERROR_OFFSET)).containsExactly("0", "1");
            assertThat(log.messages("resumed")).hasSize(1);
            assertThat(metrics.pausedNow()).isZero();
            assertThat(loop.healthy()).isTrue();
        }
    }

    /**
     * A dead-letter topic deleted while the forwarder runs (the broker creates none): paused as for a denied write,
     * until the topic is there again. While the broker says it does not exist, a retry asks it (one Admin call)
     * rather than send again: a send would hold the delivery thread for {@code max.block.ms} (10 s) waiting for the
     * topic's metadata, at every retry for as long as nobody creates it.
     */
    @Test
    void aDeadLetterTopicDeletedPausesDeliveryInAnErrorLineAndAsksTheBrokerAtEachRetryUntilItIsBack() {
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean(true);
        RefusingProducer dlq = new RefusingProducer(sent -> gone.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic " + TOPIC + "-dlq not present in "
                        + "metadata after 10000 ms."));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        dlqMissing = true;
        addNotJson(P1, 0, 1);
        addEvents(P1, 1, "a");
        try (LogLines log = changesLog()) {
            for (int i = 0; i < 10; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages(Level.ERROR, "paused: the dead-letter topic " + TOPIC + "-dlq does not exist"))
                    .singleElement().asString().contains("create it (see docs/deployment.md), or set --dlq-topic");
            assertThat(dlq.refused).as("sent once, not again while the broker says the topic does not exist")
                    .isEqualTo(1);
            assertThat(topicChecks).as("asked again at the retries").isGreaterThan(1);
            assertThat(committed(P1)).isZero();

            gone.set(false); // created again
            dlqMissing = false;
            acknowledgeUntilCommitted(loop, dlq, 2);
            assertThat(committed(P1)).isEqualTo(2);
            assertThat(dlq.history()).hasSize(1);
            tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most: the pause's retry finds it through
            round(loop);
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    /**
     * The same for the letter of an alert the socket refuses for its size, which the loop writes and waits for
     * ({@link DeadLetterQueue#publish}): while the broker says the topic is missing, a retry asks it rather than send.
     */
    @Test
    void aRejectedAlertsLetterMeetingTheTopicDeletedPausesDeliveryAndAsksTheBrokerAtEachRetry() {
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean(true);
        RefusingProducer dlq = new RefusingProducer(true, sent -> gone.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic " + TOPIC + "-dlq not present in "
                        + "metadata after 10000 ms."));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        dlqMissing = true;
        sink.reject = datagram -> datagram.contains("too-long"); // EMSGSIZE
        addEvents(P1, 0, "too-long", "after");
        try (LogLines log = changesLog()) {
            for (int i = 0; i < 10; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages(Level.ERROR, "paused: the dead-letter topic " + TOPIC + "-dlq does not exist"))
                    .singleElement().asString().contains("create it (see docs/deployment.md), or set --dlq-topic");
            assertThat(dlq.refused).as("sent once, not again while the broker says the topic does not exist")
                    .isEqualTo(1);
            assertThat(topicChecks).as("asked again at the retries").isGreaterThan(1);
            assertThat(names(sink.accepted)).isEmpty();
            assertThat(committed(P1)).isZero();

            gone.set(false); // created again
            dlqMissing = false;
            for (int i = 0; i < 3; i++) {
                tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most
                round(loop);
            }
            assertThat(names(sink.accepted)).containsExactly("after");
            assertThat(dlq.history()).singleElement()
                    .satisfies(letter -> assertThat(header(letter, HeaderNames.ERROR_OFFSET)).isEqualTo("0"));
            assertThat(committed(P1)).isEqualTo(2);
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    /**
     * A topic whose {@code max.message.bytes} refuses even a letter without value, key and headers pauses delivery
     * until it is raised; the letter then goes again whole, as it would have gone at first.
     */
    @Test
    void aTopicThatRefusesEvenTheSmallestLetterAsTooLargePausesDeliveryUntilItsLimitIsRaised() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        addEvents(P1, 1, "a");
        round(loop);
        try (LogLines log = changesLog()) {
            for (int i = 0; i < 3; i++) { // whole, then without its value, then without key and headers too
                dlq.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("over max.message.bytes"));
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages(Level.ERROR, "paused: the dead-letter topic " + TOPIC + "-dlq refuses even a "
                    + "record of a few hundred bytes as too large")).singleElement().asString()
                    .contains("raise its max.message.bytes");
            assertThat(topicChecks).as("a size needs no question to the broker").isZero();
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(committed(P1)).isZero();

            acknowledgeUntilCommitted(loop, dlq, 2); // the limit raised: the letter sent again is taken
            assertThat(committed(P1)).isEqualTo(2);
            assertThat(dlq.history()).extracting(r -> header(r, HeaderNames.OMITTED))
                    .containsExactly(null, "value", "value, key, headers", null);
            assertThat(new String(dlq.history().get(3).value(), StandardCharsets.UTF_8)).isEqualTo("not json");
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    @Test
    void afterAnOutageTheFailedLettersAreSentAgainUntilOneIsRefusedAtOnceNotEachWaitingInTurn() {
        java.util.concurrent.atomic.AtomicBoolean metadataGone = new java.util.concurrent.atomic.AtomicBoolean();
        // What Kafka's producer answers after waiting max.block.ms (10 s) for the topic's metadata.
        RefusingProducer dlq = new RefusingProducer(sent -> metadataGone.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        int invalid = 3;
        addNotJson(P1, 0, invalid);
        round(loop);
        for (int i = 0; i < invalid; i++) {
            dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")); // after its retries
        }
        metadataGone.set(true);
        round(loop);
        assertThat(dlq.refused).as("not sent again in the round that found them failed").isZero();
        assertThat(topicChecks).as("the failure judged once").isEqualTo(1);
        tick(FIRST_RETRY);
        round(loop);
        assertThat(dlq.refused).as("one wait for the metadata at the retry, not one a letter").isEqualTo(1);
        assertThat(topicChecks).as("a failure judged is not judged again").isEqualTo(1);

        metadataGone.set(false);
        acknowledgeUntilCommitted(loop, dlq, invalid);
        assertThat(committed(P1)).isEqualTo(invalid);
        assertThat(dlq.history()).extracting(r -> header(r, HeaderNames.ERROR_OFFSET))
                .as("each failed letter sent again once").containsExactly("0", "1", "2", "0", "1", "2");
    }

    @Test
    void aTopicThatRefusesForGoodAfterAnOutageKeepsDeliveryPausedNowInAnErrorLine() {
        java.util.concurrent.atomic.AtomicBoolean denied = new java.util.concurrent.atomic.AtomicBoolean();
        RefusingProducer dlq = new RefusingProducer(sent -> denied.get(),
                () -> new org.apache.kafka.common.errors.TopicAuthorizationException("not allowed"));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        round(loop);
        dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone"));
        denied.set(true); // meanwhile the forwarder's WRITE on the topic was taken away

        try (LogLines log = changesLog()) {
            for (int i = 0; i < 20; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages(Level.WARN, "paused: dead-letter topic " + TOPIC + "-dlq unavailable"))
                    .hasSize(1);
            assertThat(log.messages(Level.ERROR, "still paused, now: not allowed to write to the dead-letter "
                    + "topic")).as("said once, as it is found, not at each retry").hasSize(1);
            assertThat(committed(P1)).isZero();

            denied.set(false);
            acknowledgeUntilCommitted(loop, dlq, 1);
            assertThat(committed(P1)).isEqualTo(1);
            tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most: the pause's retry finds it through
            round(loop);
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    @Test
    void aRevokedPartitionsLetterNotWrittenIsLeftToItsNewOwnerAndHoldsNothingElse() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq, P0, P1);
        addNotJson(P0, 0, 1); // its letter not written: the topic's broker for it gone
        addEvents(P0, 1, "p0");
        addNotJson(P1, 0, 1);
        addEvents(P1, 1, "p1");
        round(loop);
        for (ProducerRecord<byte[], byte[]> letter : List.copyOf(dlq.history())) {
            if ("0".equals(header(letter, HeaderNames.ERROR_PARTITION))) {
                dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone"));
            } else {
                dlq.completeNext();
            }
        }

        consumer.rebalance(List.of(P1)); // P0 goes to another forwarder, its letter not written
        addEvents(P1, 2, "p1-later");
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(committed(P0)).as("P0's record was not dead-lettered here: its new owner does it").isEqualTo(0);
        assertThat(names(sink.accepted)).containsExactlyInAnyOrder("p0", "p1", "p1-later").endsWith("p1-later");
        assertThat(committed(P1)).isEqualTo(3);
        assertThat(dlq.history()).as("P0's letter not sent again here").hasSize(2);
    }

    @Test
    void aLetterFailedBehindOnesSentAgainKeepsDeliveryPausedUntilItIsWrittenToo() {
        java.util.concurrent.atomic.AtomicBoolean topicBack = new java.util.concurrent.atomic.AtomicBoolean();
        // The third letter, sent again after the first two, waits max.block.ms for the metadata and is refused.
        RefusingProducer dlq = new RefusingProducer(sent -> sent == 5 && !topicBack.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 3);
        round(loop);
        for (int i = 0; i < 3; i++) {
            dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")); // after its retries
        }
        addEvents(P1, 3, "after");
        for (int i = 0; i < 3 && dlq.refused == 0; i++) {
            tick(FIRST_RETRY);
            round(loop);
        }
        assertThat(dlq.refused).as("the first two sent again, the third refused").isEqualTo(1);

        dlq.completeNext(); // the first sent again, written; the second still in flight
        for (int i = 0; i < 3; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(names(sink.accepted)).as("still paused: the third letter is not written").isEmpty();
        assertThat(metrics.pausedNow()).isEqualTo(1);
        assertThat(committed(P1)).isEqualTo(1);

        topicBack.set(true);
        acknowledgeUntilCommitted(loop, dlq, 4);
        assertThat(names(sink.accepted)).containsExactly("after");
        assertThat(metrics.pausedNow()).isZero();
    }

    @Test
    void aRevokedPartitionsLetterThatPausedDeliveryHoldsTheOthersNoLonger() {
        java.util.concurrent.atomic.AtomicBoolean metadataGone = new java.util.concurrent.atomic.AtomicBoolean();
        RefusingProducer dlq = new RefusingProducer(sent -> metadataGone.get(),
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq, P0, P1);
        addNotJson(P1, 0, 1); // its letter in flight, neither acknowledged nor failed for a long while
        round(loop);
        metadataGone.set(true);
        addNotJson(P0, 0, 2); // the first refused at once, the second waits for the topic
        round(loop);
        assertThat(dlq.refused).isEqualTo(1);
        assertThat(metrics.pausedNow()).isEqualTo(1);

        consumer.rebalance(List.of(P1)); // P0 goes to another forwarder, which dead-letters its records again
        addEvents(P1, 1, "p1");
        for (int i = 0; i < 3; i++) {
            tick(FIRST_RETRY);
            round(loop);
        }
        assertThat(names(sink.accepted)).as("nothing of P1 holds it").containsExactly("p1");
        assertThat(metrics.pausedNow()).isZero();
        assertThat(dlq.refused).as("P0's letters not sent again here").isEqualTo(1);
    }

    @Test
    void aPauseTheLettersStartedEndsWhenTheirPartitionIsRevokedEvenWithNoRecordLeftToDeliver() {
        RefusingProducer dlq = new RefusingProducer(sent -> true,
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq, P0, P1);
        addNotJson(P0, 0, 2); // the first refused at once; the second, blocked, starts the pause
        round(loop);
        assertThat(metrics.pausedNow()).isEqualTo(1);

        consumer.rebalance(List.of(P1));
        for (int i = 0; i < 3; i++) {
            tick(FIRST_RETRY);
            round(loop);
        }
        assertThat(metrics.pausedNow()).as("nothing left here that the topic refuses").isZero();
        tick(Duration.ofSeconds(60).toNanos());
        round(loop);
        assertThat(loop.healthy()).isTrue();
    }

    @Test
    void lettersNoLongerFailedDoNotEndAPauseOfTheWazuhQueueWhichStillRefuses() {
        RefusingProducer dlq = new RefusingProducer(sent -> true,
                () -> new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata"));
        DeliveryLoop loop = liveWithDeadLetters(dlq, P0, P1);
        sink.refuseFrom = 0; // Wazuh is down
        addNotJson(P0, 0, 1); // its letter refused at once
        addEvents(P0, 1, "a"); // refused by the queue: delivery paused
        try (LogLines log = changesLog()) {
            round(loop);
            assertThat(log.messages("paused:")).hasSize(1);

            consumer.rebalance(List.of(P1)); // the letter's partition goes to another forwarder
            assertThat(topicChecks).as("a revocation judges no failure").isEqualTo(1);
            addEvents(P1, 0, "b"); // in Kafka, not fetched while paused
            consumer.updateEndOffsets(Map.of(P1, 1L));
            for (int i = 0; i < 3; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages("resumed")).as("the queue still refuses: the pause goes on").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);

            sink.refuseFrom = Integer.MAX_VALUE; // back
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("b");
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    @Test
    void aPauseBothTheWazuhQueueAndTheLettersHoldEndsOnlyOnceBothTakeAgain() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq, P0, P1);
        addNotJson(P1, 0, 1);
        round(loop); // its letter in flight
        try (LogLines log = changesLog()) {
            sink.refuseFrom = 0; // Wazuh goes down
            addEvents(P0, 0, "a");
            round(loop);
            dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")); // and the letter fails
            tick(FIRST_RETRY);
            round(loop);
            assertThat(log.messages("still paused, now: dead-letter topic")).as("the letters hold it too").hasSize(1);

            dlq.completeNext(); // the letter, sent again, written
            for (int i = 0; i < 3; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(log.messages("resumed")).as("Wazuh still refuses").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);
            assertThat(metrics.pausedNow()).isEqualTo(1);

            sink.refuseFrom = Integer.MAX_VALUE; // back
            tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("a");
            assertThat(log.messages("resumed")).hasSize(1);
        }
    }

    @Test
    void withTheSendingThreadADatagramWrittenAtLastDoesNotEndAPauseTheLettersStillHold() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        AlertPipeline.Mode mode = deadLetterMode(dlq);
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try (LogLines log = changesLog()) {
            DeliveryLoop loop = letterInFlightThenHeld(mode, sending);
            dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone")); // the letter fails
            tick(FIRST_RETRY);
            round(loop);
            assertThat(log.messages("paused:")).hasSize(1);
            round(loop);
            assertThat(consumer.lastPollTimeout()).as("both refused at one retry: the backoff doubles once")
                    .isEqualTo(DeliveryOptions.FIRST_RETRY_DELAY);
            for (int i = 0; i < 3; i++) { // both refuse at each retry
                tick(Duration.ofSeconds(10).toNanos());
                round(loop);
            }
            assertThat(log.messages("still paused, now:")).as("said as the letters joined, not at each retry")
                    .hasSize(1);

            sink.refuse = datagram -> false; // Wazuh back; the letter, sent again, not written yet
            for (int i = 0; i < 3; i++) {
                tick(COMMIT_INTERVAL.toNanos());
                round(loop);
            }
            assertThat(names(sink.accepted)).containsExactly("a");
            assertThat(log.messages("resumed")).as("the letters still hold it").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);

            dlq.completeNext();
            tick(Duration.ofSeconds(10).toNanos()); // the backoff at its most
            round(loop);
            assertThat(log.messages("resumed")).hasSize(1);
        } finally {
            sending.close();
        }
    }

    @Test
    void withTheSendingThreadLettersFailingAsTheHeldDatagramIsWrittenKeepThePauseOn() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        AlertPipeline.Mode mode = deadLetterMode(dlq);
        SendingThread sending = SendingThread.start(new DatagramWriter(sink, mode, metrics, this::wallMillis));
        try (LogLines log = changesLog()) {
            DeliveryLoop loop = letterInFlightThenHeld(mode, sending);
            tick(FIRST_RETRY);
            round(loop); // paused for Wazuh alone

            sink.refuse = datagram -> false; // Wazuh back, as the letter fails
            dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone"));
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
            assertThat(names(sink.accepted)).containsExactly("a");
            assertThat(log.messages("resumed")).as("the letters hold it now").isEmpty();
            assertThat(log.messages("paused:")).hasSize(1);
        } finally {
            sending.close();
        }
    }

    @Test
    void aRoundAsksTheBrokerAboutTheTopicOnceWhenALetterFailsWhileAnotherWaitsForTheMetadata() {
        java.util.concurrent.atomic.AtomicReference<MockProducer<byte[], byte[]>> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        RefusingProducer dlq = new RefusingProducer(sent -> sent == 1, () -> {
            // While the second letter's send waits max.block.ms for the metadata, the first one fails.
            self.get().errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone"));
            return new org.apache.kafka.common.errors.TimeoutException("Topic not present in metadata");
        });
        self.set(dlq);
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        round(loop);
        addNotJson(P1, 1, 1);
        round(loop);

        assertThat(dlq.refused).isEqualTo(1);
        assertThat(topicChecks).as("one check of up to 10 s in the round, not one a failure").isEqualTo(1);
    }

    @Test
    void theStopWaitsForALetterTheTopicRefusedAsTooLargeToBeSentAgainWithLessAndAcknowledged() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 1);
        round(loop);

        Thread broker = whileWaiting(() -> {
            dlq.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("over max.message.bytes"));
            await().atMost(Duration.ofSeconds(5)).until(() -> dlq.history().size() == 2); // sent again, no value
            dlq.completeNext();
        });
        loop.finish();
        join(broker);

        assertThat(header(dlq.history().get(1), HeaderNames.OMITTED)).isEqualTo("value");
        assertThat(committed(P1)).isEqualTo(1);
    }

    @Test
    void theStopCommitsWhatWasAcknowledgedWithoutAskingTheBrokerWhetherTheTopicExists() {
        MockProducer<byte[], byte[]> dlq = pendingProducer();
        DeliveryLoop loop = liveWithDeadLetters(dlq);
        addNotJson(P1, 0, 2);
        round(loop);
        dlq.completeNext();
        dlq.errorNext(new org.apache.kafka.common.errors.NetworkException("broker gone"));

        loop.finish();

        assertThat(topicChecks).as("no wait of up to 10 s at a stop").isZero();
        assertThat(committed(P1)).isEqualTo(1);
    }

    /** Acknowledges every letter sent, round after round (the retries' backoff passing), until P1 is committed so far. */
    private void acknowledgeUntilCommitted(DeliveryLoop loop, MockProducer<byte[], byte[]> dlq, long offset) {
        for (int i = 0; i < 20 && committed(P1) < offset; i++) {
            while (dlq.completeNext()) {
                // acknowledged
            }
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
    }

    /** A live loop of partition 1 whose dead letters go to {@code dlq}. */
    private DeliveryLoop liveWithDeadLetters(MockProducer<byte[], byte[]> dlq) {
        return liveWithDeadLetters(dlq, P1);
    }

    /**
     * A live loop whose dead letters go to {@code dlq}; the topic exists unless {@link #dlqMissing}, each time the
     * loop asks the broker ({@link #topicChecks}).
     */
    private DeliveryLoop liveWithDeadLetters(MockProducer<byte[], byte[]> dlq, TopicPartition... assigned) {
        AlertPipeline.Mode mode = deadLetterMode(dlq);
        return live(mode, new DirectOutbox(new DatagramWriter(sink, mode, metrics, this::wallMillis)), 0, 1000,
                assigned);
    }

    private AlertPipeline.Mode deadLetterMode(MockProducer<byte[], byte[]> dlq) {
        return new AlertPipeline.Mode.Live(new DeadLetterQueue(TOPIC + "-dlq", dlq, this::wallMillis, () -> {
            topicChecks++;
            return dlqMissing;
        }), new SilentHostWatch());
    }

    /**
     * A loop of partition 1 with the sending thread: a letter in flight, then Wazuh down and the event "a" after it
     * held by the thread.
     */
    private DeliveryLoop letterInFlightThenHeld(AlertPipeline.Mode mode, SendingThread sending) {
        DeliveryLoop loop = live(mode, sending, 0, 1000, P1);
        addNotJson(P1, 0, 1);
        round(loop); // its letter in flight
        sink.refuse = datagram -> true; // Wazuh goes down
        addEvents(P1, 1, "a");
        round(loop);
        await().atMost(Duration.ofSeconds(10)).until(sending::holding); // refused, held by the thread
        return loop;
    }

    /** The state changes' log lines (paused, resumed, ...) until closed. */
    private static LogLines changesLog() {
        return LogLines.of(StateChanges.class).attach();
    }

    /**
     * Runs {@code action} on a thread of its own once the calling thread waits with a timeout (the stop waiting for
     * an acknowledgement, called next), so that what the action does happens during that wait.
     */
    private static Thread whileWaiting(Runnable action) {
        Thread caller = Thread.currentThread();
        Thread t = new Thread(() -> {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5))
                    .until(() -> caller.getState() == Thread.State.TIMED_WAITING);
            action.run();
        });
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(t.isAlive()).isFalse();
    }

    /** A dead-letter producer whose sends are acknowledged (or fail) only when the test says, in order. */
    private static MockProducer<byte[], byte[]> pendingProducer() {
        return new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * A dead-letter producer whose sends are acknowledged (or fail) when the test says, in order, except those it
     * refuses at once with {@code failure} while {@code refuses} says so of the number of sends it took before.
     */
    private static final class RefusingProducer extends MockProducer<byte[], byte[]> {
        private final java.util.function.IntPredicate refuses;
        private final java.util.function.Supplier<RuntimeException> failure;
        int refused;

        RefusingProducer(java.util.function.IntPredicate refuses,
                         java.util.function.Supplier<RuntimeException> failure) {
            this(false, refuses, failure);
        }

        /** @param autoComplete the sends it does not refuse are acknowledged at once */
        RefusingProducer(boolean autoComplete, java.util.function.IntPredicate refuses,
                         java.util.function.Supplier<RuntimeException> failure) {
            super(autoComplete, null, new ByteArraySerializer(), new ByteArraySerializer());
            this.refuses = refuses;
            this.failure = failure;
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
            if (refuses.test(history().size())) {
                refused++;
                return java.util.concurrent.CompletableFuture.failedFuture(failure.get());
            }
            return super.send(record);
        }
    }

    /** {@code n} records that are not JSON, from offset {@code first}. */
    private void addNotJson(TopicPartition tp, long first, int n) {
        for (int i = 0; i < n; i++) {
            consumer.addRecord(record(tp, first + i, new RecordHeaders(), "not json".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * A poll ran out of memory on a record of P1 after it had read P0's records and moved P0's position past them:
     * P0 is read again from where the loop had it (else its records were passed over and committed past), the record
     * the search cannot read is dead-lettered {@code unreadable}, and P1's records around it are delivered.
     */
    @Test
    void aPollOutOfMemoryLosesNothingItReadAndDeadLettersWhatCannotBeRead() {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> onBroker = Map.of(
                P0, List.of(event(P0, 0, "p0-a"), event(P0, 1, "p0-b")),
                P1, List.of(event(P1, 0, "p1-a"), event(P1, 2, "p1-b")));
        search = new UnreadableRecordSearch(() -> new OneRecordAPoll(onBroker, P1, 1), 8);
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "p0-a", "p0-b");
        addEvents(P1, "p1-a");
        pollOutOfMemory = new OutOfMemoryError("Java heap space");

        round(loop);
        addEvents(P0, "p0-a", "p0-b"); // what the broker serves again to a consumer sought back
        addEvents(P1, 2, "p1-b");
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactlyInAnyOrder("p0-a", "p0-b", "p1-a", "p1-b");
        assertThat(deadLetters.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(header(letter, HeaderNames.ERROR_REASON)).isEqualTo(DeadLetterReason.UNREADABLE.code());
        assertThat(header(letter, HeaderNames.ERROR_PARTITION)).isEqualTo("1");
        assertThat(header(letter, HeaderNames.ERROR_OFFSET)).isEqualTo("1");
        assertThat(committed(P0)).isEqualTo(2);
        assertThat(committed(P1)).as("past the unreadable record, its letter acknowledged").isEqualTo(3);
    }

    @Test
    void aHeartbeatThreadEndedOnTheShortageMakesTheConsumerJoinAgainAndDeliveryGoesOn() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a");
        // Kafka's classic consumer throws its heartbeat thread's Error wrapped, at the next poll.
        consumer.setPollException(new KafkaException(new OutOfMemoryError("Java heap space")));

        round(loop);
        assertThat(consumer.shouldRebalance()).as("rejoin asked for at once, not expelled 45 s later").isTrue();
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a");
    }

    @Test
    void aPollFailingForAnotherReasonIsNotTakenForTheHeartbeatThread() {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.setPollException(new KafkaException("unexpected error", new IllegalStateException("bug")));

        assertThatThrownBy(() -> round(loop)).isInstanceOf(KafkaException.class).hasMessage("unexpected error");
        assertThat(consumer.shouldRebalance()).isFalse();
    }

    @Test
    void aKafkaClientThreadThatEndedStopsTheLoopWithinASecond() throws InterruptedException {
        NamedThread network = NamedThread.running(KafkaClientThreads.producer("dwb-forwarder-dlq"));
        clientThreads = KafkaClientThreads.named(Set.of(KafkaClientThreads.producer("dwb-forwarder-dlq")));
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a");
        round(loop);
        tick(TimeUnit.SECONDS.toNanos(1));
        round(loop);
        assertThat(names(sink.accepted)).as("alive: delivery goes on").containsExactly("a");

        network.end();
        tick(TimeUnit.SECONDS.toNanos(1));

        assertThatThrownBy(() -> round(loop)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a Kafka client's network thread ended");
    }

    /**
     * A stop (SIGTERM) while a poll out of memory is searched: the search ends before its next try (each a poll out of
     * memory and its collections, up to 64 of them: longer than systemd waits), nothing of it is delivered, lettered
     * or committed, and the next start reads the partition again.
     */
    @Test
    void aStopDuringTheSearchForWhatCannotBeReadEndsItBeforeItsNextTry() {
        AtomicReference<DeliveryLoop> running = new AtomicReference<>();
        AtomicInteger probePolls = new AtomicInteger();
        search = new UnreadableRecordSearch(() -> new MockConsumer<>("earliest") {
            {
                updateEndOffsets(Map.of(P0, 1000L));
            }

            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (probePolls.incrementAndGet() == 2) {
                    running.get().stop(); // the SIGTERM's thread, while the search is under way
                }
                throw new OutOfMemoryError("Java heap space"); // offsets 1 to 999, one batch no poll can read
            }
        }, 8);
        DeliveryLoop loop = live(0, 1000, P0);
        running.set(loop);
        addEvents(P0, "a");
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(committed(P0)).isEqualTo(1);
        consumer.addRecord(event(P0, 1, "bomb"));
        pollOutOfMemory = new OutOfMemoryError("Java heap space");

        round(loop);
        loop.finish();

        assertThat(probePolls).as("the try under way when stopped, then none").hasValue(2);
        assertThat(deadLetters.history()).isEmpty();
        assertThat(names(sink.accepted)).containsExactly("a");
        assertThat(committed(P0)).as("read again at the next start").isEqualTo(1);
    }

    /**
     * The search's consumer: one record a poll, as {@code max.poll.records=1} makes it, from {@code onBroker}; a poll
     * at {@code unreadable} of {@code partition} runs out of memory, as Kafka's does on a record of a million headers.
     */
    private static final class OneRecordAPoll extends MockConsumer<byte[], byte[]> {
        private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> onBroker;
        private final TopicPartition partition;
        private final long unreadable;

        OneRecordAPoll(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> onBroker, TopicPartition partition,
                       long unreadable) {
            super("earliest");
            this.onBroker = onBroker;
            this.partition = partition;
            this.unreadable = unreadable;
            Map<TopicPartition, Long> ends = new HashMap<>();
            onBroker.forEach((tp, records) -> ends.put(tp, records.get(records.size() - 1).offset() + 1));
            updateEndOffsets(ends);
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            TopicPartition tp = assignment().iterator().next();
            long at = position(tp);
            if (tp.equals(partition) && at == unreadable) {
                throw new OutOfMemoryError("Java heap space");
            }
            for (ConsumerRecord<byte[], byte[]> r : onBroker.getOrDefault(tp, List.of())) {
                if (r.offset() >= at) {
                    seek(tp, r.offset() + 1);
                    return new ConsumerRecords<>(Map.of(tp, List.of(r)), Map.of());
                }
            }
            return ConsumerRecords.empty();
        }
    }

    /**
     * A record's own header of the forwarder's names is replaced, omitted too: a forged one said a whole letter's
     * value and key were left out, and a reader of the dead letters that trusts it skipped recovering it.
     */
    @Test
    void aForgedOmittedHeaderIsNotOnAWholeDeadLetter() {
        DeliveryLoop loop = live(0, 1000, P1);
        RecordHeaders forged = new RecordHeaders();
        forged.add(HeaderNames.OMITTED, HeaderNames.utf8("value, key, headers"));
        consumer.addRecord(record(P1, 0, forged, "not json".getBytes(StandardCharsets.UTF_8)));
        round(loop);

        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("not json");
        assertThat(header(letter, HeaderNames.OMITTED)).isNull();
    }

    @Test
    void aDeadLetterCarriesItsReasonStageAndCoordinatesInHeadersOfTheirOwn() {
        DeliveryLoop loop = live(0, 1000, P1);
        addEvents(P1, "a");
        consumer.addRecord(record(P1, 1, new RecordHeaders(), "not json".getBytes(StandardCharsets.UTF_8)));
        addEvents(P1, 2, "b");

        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b");
        assertThat(committed(P1)).as("the dead letter is acknowledged: committed past it").isEqualTo(3);
        assertThat(deadLetters.history()).hasSize(1);
        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(letter.topic()).isEqualTo(TOPIC + "-dlq");
        assertThat(header(letter, HeaderNames.ERROR_REASON)).isEqualTo(DeadLetterReason.NOT_JSON.code());
        assertThat(header(letter, HeaderNames.ERROR_STAGE)).isEqualTo("classify");
        assertThat(header(letter, HeaderNames.ERROR_TOPIC)).isEqualTo(TOPIC);
        assertThat(header(letter, HeaderNames.ERROR_PARTITION)).isEqualTo("1");
        assertThat(header(letter, HeaderNames.ERROR_OFFSET)).isEqualTo("1");
        assertThat(header(letter, HeaderNames.ERROR_MESSAGE)).isNotBlank();
        assertThat(header(letter, HeaderNames.ERROR)).as("the older header, kept")
                .isEqualTo("not-json: " + header(letter, HeaderNames.ERROR_MESSAGE));
        assertThat(header(letter, HeaderNames.SOURCE_OFFSET)).isEqualTo("1");
    }

    @Test
    void aRecordOnWhichClassificationFailsUnforeseenIsDeadLetteredWithTheExceptionAndDeliveryGoesOn() {
        classifier = new RecordClassifier(TestRecords.SCHEMAS) {
            @Override
            public Classified classify(ConsumerRecord<byte[], byte[]> record) {
                if (record.offset() == 1) { // a bug nobody foresaw, as a number Jackson could not hold once was
                    throw new IllegalStateException("x".repeat(1000));
                }
                return super.classify(record);
            }
        };
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "b", "c");

        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "c");
        assertThat(committed(P0)).as("not stopped at the record, for ever").isEqualTo(3);
        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(header(letter, HeaderNames.ERROR_REASON)).isEqualTo(DeadLetterReason.CLASSIFY_ERROR.code());
        assertThat(header(letter, HeaderNames.ERROR_STAGE)).isEqualTo("classify");
        assertThat(header(letter, HeaderNames.ERROR_OFFSET)).isEqualTo("1");
        assertThat(header(letter, HeaderNames.ERROR_MESSAGE)).startsWith("java.lang.IllegalStateException: xxx")
                .as("bounded: the message may quote the record").hasSizeLessThan(400);
        assertThat(metrics.deadLetteredTotal()).isEqualTo(1);
    }

    @Test
    void aDatagramTheSocketRefusesForWhatItIsIsDeadLetteredAtTheSendStage() {
        DeliveryLoop loop = live(0, 1000, P0);
        addEvents(P0, "a", "too-long", "b");
        sink.reject = datagram -> datagram.contains("too-long");

        round(loop);

        assertThat(names(sink.accepted)).containsExactly("a", "b");
        ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
        assertThat(header(letter, HeaderNames.ERROR_REASON)).isEqualTo(DeadLetterReason.REJECTED.code());
        assertThat(header(letter, HeaderNames.ERROR_STAGE)).isEqualTo("send");
        assertThat(header(letter, HeaderNames.ERROR_OFFSET)).isEqualTo("1");
    }

    /**
     * Cut off from Kafka, a partition's last known lag stays 0: it counted as live, its time ran on with the clock,
     * and three intervals later every host of the forwarder's partitions was reported silent (a fleet's thousands),
     * though it was the forwarder that heard nothing. A partition is live only while fetches are answered.
     */
    @Test
    void noHostIsReportedSilentWhileTheConsumersFetchesGoUnanswered() {
        fetchAnswers = 0.0;
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        ProducerRecord<byte[], byte[]> produced = TestRecords.bridge(TOPIC, "host-a", "a".repeat(32), "heartbeat",
                ContractJson.write(new Heartbeat(ContractJson.rfc3339(t0), t0, 30, true, null)), t0 / 1_000_000L);
        consumer.addRecord(record(P0, 0, produced.headers(), produced.value())); // silent after 90 s
        consumer.updateEndOffsets(Map.of(P0, 1L)); // all of P0 read

        for (int i = 0; i < 40; i++) { // 200 s without one more fetch answered
            round(loop);
            runFor(loop, 5_000_000_000L);
        }
        assertThat(sink.accepted).as("the forwarder heard nothing, the host said nothing: no verdict").isEmpty();

        for (int i = 0; i < 20; i++) { // Kafka answers again; the host still says nothing
            fetchAnswers = fetchAnswers + 1;
            round(loop);
            runFor(loop, 5_000_000_000L);
        }
        assertThat(sink.accepted).as("silent after three intervals of answered time").singleElement()
                .satisfies(d -> assertThat(d).contains("silent-host"));
    }

    /**
     * A transaction left open on the partition (a listener gone while publishing) holds its last stable offset: the
     * lag reads 0 while what its other hosts publish waits, written, behind it. Not live then: its time does not run
     * with the clock, and no host of it is reported silent for heartbeats it cannot read yet.
     */
    @Test
    void aPartitionWrittenFurtherThanItsStableEndIsNotLiveAndItsHostsAreNotReportedSilent() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        consumer.addRecord(heartbeat(P0, 0, t0));
        consumer.updateEndOffsets(Map.of(P0, 1L)); // all of P0 read up to its stable end
        heldBack.add(P0); // and more written behind an open transaction

        for (int i = 0; i < 10; i++) {
            round(loop);
            runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        }
        assertThat(sink.accepted).as("ten intervals behind an open transaction: no verdict").isEmpty();

        heldBack.remove(P0); // the transaction aborted, nothing more written: the host indeed said nothing
        for (int i = 0; i < 5; i++) {
            round(loop);
            runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        }
        assertThat(sink.accepted).as("silent after three intervals of live time").singleElement()
                .satisfies(d -> assertThat(d).contains("silent-host"));
    }

    /**
     * A partition that takes no writes while it is not live: a listener's transaction the outage keeps open (its
     * markers are refused too), so records stand written past the stable end. Its hosts' silences stand still all the
     * same, and its time runs on: before, only a live one's did, so its time stood still and the host's first heartbeat
     * after the outage, ten intervals on by its own clock, was a leap: reported silent, then back (a CI run's
     * ReplicatedClusterFailoverTest, the partition's leader killed).
     */
    @Test
    void aPartitionThatTakesNoWritesMakesNoHostSilentLiveOrNot() {
        long t0 = 1_764_000_000_000_000_000L;
        DeliveryLoop loop = liveAfterAHeartbeat(t0);
        unwritable.add(P0);
        heldBack.add(P0);

        for (int i = 0; i < 10; i++) {
            round(loop);
            runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        }
        unwritable.remove(P0); // writes taken again: the transaction ends, the host's next heartbeat is read
        heldBack.remove(P0);
        consumer.addRecord(heartbeat(P0, 1, t0 + 10 * HEARTBEAT_INTERVAL.toNanos()));
        consumer.updateEndOffsets(Map.of(P0, 2L));
        tick(1_000_000_000L);
        round(loop);
        tick(1_000_000_000L);
        round(loop);
        assertThat(sink.accepted).as("host-state alerts of an outage of writes").isEmpty();
        // Its silences count again once it takes writes: quiet for more than three intervals now, the host is reported.
        runFor(loop, 4 * HEARTBEAT_INTERVAL.toNanos());
        assertThat(sink.accepted).filteredOn(d -> d.contains("\"silent-host\"")).hasSize(1);
    }

    /**
     * A revocation during an outage of writes tells the next owner when the outage began, for it to let the hosts'
     * silences stand still from then (SilentHostWatchTest#aPartitionHandedOverDuringAnOutageOfWritesMakesNoHostSilent);
     * a commit while it takes writes says none.
     */
    @Test
    void aCommitDuringAnOutageOfWritesSaysWhenItBegan() {
        long t0 = 1_764_000_000_000_000_000L;
        DeliveryLoop loop = liveAfterAHeartbeat(t0);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(WatchHandover.Mark.of(lastCommitted.get(P0)).stillSinceMs()).as("writable").isEqualTo(-1);

        unwritable.add(P0);
        runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        consumer.rebalance(List.of());
        WatchHandover.Mark mark = WatchHandover.Mark.of(lastCommitted.get(P0));
        assertThat(mark.stillSinceMs()).isPositive().isLessThan(mark.partitionTimeMs());
    }

    @Test
    void aHostWhoseHeartbeatsStopIsReportedSilentAfterThreeIntervalsOfTheInjectedClockAndBackWhenHeardAgain() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        consumer.addRecord(heartbeat(P0, 0, t0));
        consumer.updateEndOffsets(Map.of(P0, 1L)); // all of P0 read: its time now runs with the clock

        round(loop);
        runFor(loop, 3 * HEARTBEAT_INTERVAL.toNanos());
        assertThat(sink.accepted).as("three intervals, not more").isEmpty();
        assertThat(gauge("dwb_forwarder_hosts_watched")).isEqualTo(1);

        runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        assertThat(sink.accepted).hasSize(1);
        assertThat(sink.accepted.get(0)).contains("silent-host");
        runFor(loop, 10 * HEARTBEAT_INTERVAL.toNanos());
        assertThat(sink.accepted).as("raised once").hasSize(1);

        consumer.addRecord(heartbeat(P0, 1, t0 + 14 * HEARTBEAT_INTERVAL.toNanos()));
        consumer.updateEndOffsets(Map.of(P0, 2L));
        tick(1_000_000_000L);
        round(loop);
        tick(1_000_000_000L);
        round(loop);
        assertThat(sink.accepted).hasSize(2);
        assertThat(sink.accepted.get(1)).contains("host-back");
    }

    /** When host A's heartbeat (partition 0 of 2; partition 2 of 4) was written, before it went silent. */
    private static final long T0_SILENT_A = 1_764_000_000_000_000_000L;

    /**
     * A live loop of {@code watch} on P0 and P1 of a topic of 2 partitions, host A heard once on P0 at {@link
     * #T0_SILENT_A}, then reported silent.
     */
    private DeliveryLoop silentHostAOnP0Of2(SilentHostWatch watch) {
        AlertPipeline.Mode mode = new AlertPipeline.Mode.Live(new DeadLetterQueue(TOPIC + "-dlq", new Properties(),
                deadLetters, this::wallMillis), watch);
        DeliveryLoop loop = live(mode, new DirectOutbox(new DatagramWriter(sink, mode, metrics, this::wallMillis)), 0,
                1000, P0, P1);
        byte[] key = "A".getBytes(StandardCharsets.UTF_8); // murmur2: partition 0 of 2, partition 2 of 4
        assertThat(io.dwb.schemas.HostPartition.of(key, 2)).isZero();
        assertThat(io.dwb.schemas.HostPartition.of(key, 4)).isEqualTo(2);
        consumer.updatePartitions(TOPIC, partitionInfos(2));
        consumer.addRecord(heartbeat(P0, 0, T0_SILENT_A, "A"));
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 0L));
        round(loop);
        runFor(loop, 4 * HEARTBEAT_INTERVAL.toNanos());
        assertThat(hostAlerts()).containsExactly("silent-host host-A");
        return loop;
    }

    /**
     * Partitions added to the events topic: the consumer's metadata shows the new count before the rebalance that
     * assigns the new partitions (a non-leader of a classic group sees it up to a metadata refresh before the leader
     * does; a lone forwarder, a rejoin before). A host reported silent whose key maps under the new count to a
     * partition this forwarder is about to own was forgotten at the first check of the new count, against the
     * assignment as it stood: its heartbeat in its new partition, once assigned, made no {@code host-back}.
     */
    @Test
    void aHostSilentBeforePartitionsWereAddedIsSaidBackInItsNewPartitionAssignedAfterTheCountWasSeen() {
        SilentHostWatch watch = new SilentHostWatch();
        DeliveryLoop loop = silentHostAOnP0Of2(watch);
        String host = "A";
        long t0 = T0_SILENT_A;

        consumer.updatePartitions(TOPIC, partitionInfos(4)); // the metadata shows the new count first
        runFor(loop, TimeUnit.SECONDS.toNanos(1)); // a round, its check of the count included
        consumer.rebalance(List.of(P0, P1, P2, P3)); // then the rebalance gives this forwarder the new ones
        consumer.addRecord(heartbeat(P2, 0, t0 + 10 * HEARTBEAT_INTERVAL.toNanos(), host));
        consumer.updateEndOffsets(Map.of(P2, 1L, P3, 0L));
        runFor(loop, TimeUnit.SECONDS.toNanos(2));

        assertThat(hostAlerts()).containsExactly("silent-host host-A", "host-back host-A");
        assertThat(watch.moved()).as("it moved to this forwarder's partition: followed, not forgotten").isZero();
        assertThat(watch.watched()).isEqualTo(1);
    }

    /**
     * A rebalance that ends after this forwarder's metadata showed the new count says nothing of the group leader's,
     * which computed it: each member refreshes its metadata on its own clock (up to {@code metadata.max.age.ms}
     * apart), and a rebalance under way, another forwarder joining (a cooperative one revoking first: two
     * generations), or any other before the leader's refresh assigns the old partitions only. The count was applied
     * at the first rebalance's end: the host moving to a partition this forwarder was about to be given was forgotten
     * there, and its heartbeat there, once given, made no {@code host-back}. Now only a new partition assigned here,
     * or the bound, applies it.
     */
    @Test
    void rebalancesEndingBeforeTheLeaderSawTheNewCountDoNotForgetAHostMovingToANewPartition() {
        SilentHostWatch watch = new SilentHostWatch();
        DeliveryLoop loop = silentHostAOnP0Of2(watch);
        String host = "A";
        long t0 = T0_SILENT_A;

        consumer.updatePartitions(TOPIC, partitionInfos(4)); // this forwarder's metadata shows the new count
        runFor(loop, TimeUnit.SECONDS.toNanos(1));
        // A cooperative rebalance the leader computed from the old count: P1 revoked, then given back.
        consumer.rebalance(List.of(P0));
        runFor(loop, TimeUnit.SECONDS.toNanos(1));
        consumer.rebalance(List.of(P0, P1));
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 0L));
        runFor(loop, TimeUnit.SECONDS.toNanos(10));
        assertThat(watch.moved()).as("the assignment does not reflect the count yet").isZero();
        assertThat(watch.watched()).isEqualTo(1);

        consumer.rebalance(List.of(P0, P1, P2, P3)); // the leader's refresh: the new partitions, some to this one
        consumer.addRecord(heartbeat(P2, 0, t0 + 10 * HEARTBEAT_INTERVAL.toNanos(), host));
        consumer.updateEndOffsets(Map.of(P0, 1L, P1, 0L, P2, 1L, P3, 0L));
        runFor(loop, TimeUnit.SECONDS.toNanos(2));

        assertThat(hostAlerts()).containsExactly("silent-host host-A", "host-back host-A");
        assertThat(watch.moved()).isZero();
        assertThat(watch.watched()).isEqualTo(1);
    }

    /**
     * A partition found caught up (lag 0) before its first record was delivered, as a quiet one is after a restart or
     * a rebalance, and a new one always: its time counted the clock from 0, below any record's time, so its hosts
     * were never reported silent (none in ten minutes after its one host's last heartbeat).
     */
    @Test
    void aQuietPartitionLiveBeforeItsFirstRecordReportsItsHostSilentOnceAfterThreeIntervals() {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.updateEndOffsets(Map.of(P0, 0L)); // assigned with nothing to read
        for (int i = 0; i < 3; i++) {
            round(loop);
            tick(1_000_000_000L);
        }
        consumer.addRecord(heartbeat(P0, 0, 1_764_000_000_000_000_000L)); // its one host speaks once, then stops
        consumer.updateEndOffsets(Map.of(P0, 1L));
        for (int i = 0; i < 15; i++) { // a round a second, as the forwarder runs them when idle
            round(loop);
            tick(1_000_000_000L);
        }
        assertThat(sink.accepted).as("three intervals, not more").isEmpty();
        for (int i = 0; i < 600; i++) {
            round(loop);
            tick(1_000_000_000L);
        }
        assertThat(hostAlerts()).containsExactly("silent-host host-" + "a".repeat(32));
    }

    /**
     * A backlog (Wazuh was down ten minutes) of ten hosts' heartbeats and one host's heartbeats and events, its clock
     * a minute fast (four intervals): its records moved their partition's time a minute past every other host's
     * heartbeats, and each of those hosts was reported silent at each judgement, and back at its next heartbeat. Now
     * none is, and a host that stops within the backlog is reported, once.
     */
    @Test
    void aHostWhoseClockIsFastMakesNoOtherHostSilentInABacklog() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        long fast = Duration.ofMinutes(1).toNanos();
        long offset = 0;
        for (long t = 0; t < 600; t += HEARTBEAT_INTERVAL.toSeconds()) { // a judgement each 5 s of the backlog
            long time = t0 + t * 1_000_000_000L;
            for (int h = 0; h < 10; h++) {
                if (h != 3 || t <= 300) { // h3's listener stops halfway
                    consumer.addRecord(stamped(P0, offset++, heartbeatOf("h" + h, time)));
                }
            }
            consumer.addRecord(stamped(P0, offset++, heartbeatOf("fast", time + fast)));
            consumer.addRecord(stamped(P0, offset++, TestRecords.event(TOPIC, "host-fast", "fast",
                    TestRecords.containerEvent("c" + t, time + fast))));
            round(loop);
            tick(1_000_000_000L);
        }
        assertThat(names(sink.accepted)).as("the fast host's events delivered").filteredOn(n -> n.startsWith("c"))
                .hasSize(120);
        assertThat(hostAlerts()).containsExactly("silent-host host-h3");
    }

    /**
     * A stop while a host's silent-host alert waits for Wazuh: the commit tells the partition's next owner that
     * host-state alerts were not sent, so that it reports its silent hosts again rather than take them as reported.
     */
    @Test
    void aCommitSaysWhetherHostStateAlertsWaitedToBeSent() {
        long t0 = 1_764_000_000_000_000_000L;
        DeliveryLoop loop = liveAfterAHeartbeat(t0);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        assertThat(WatchHandover.Mark.of(committedMetadata(P0)).alertsUnsent()).isFalse();

        sink.refuse = datagram -> true; // Wazuh down as the host goes silent
        runFor(loop, 4 * HEARTBEAT_INTERVAL.toNanos());
        consumer.addRecord(event(P0, 1, "a"));
        consumer.updateEndOffsets(Map.of(P0, 2L));
        round(loop);
        sink.refuse = datagram -> false;
        loop.stop();
        loop.finish(); // "a" was refused too: nothing new to commit but the stop's mark
        assertThat(pipeline.stateAlertsQueued()).isOne();
        WatchHandover.Mark mark = WatchHandover.Mark.of(committedMetadata(P0));
        assertThat(mark.partitionTimeMs()).isPositive();
        assertThat(mark.alertsUnsent()).isTrue();
    }

    /**
     * A state snapshot too large for a datagram leaves out its largest containers first: one container listed first
     * (the newest) with a 70 KB label, which whoever starts it chooses, left every other one out when the list was
     * cut from the end, and the alert after a gap said nothing of what ran.
     */
    @Test
    void aStateTooLargeForADatagramLeavesOutItsLargestContainersFirst() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        ArrayNode containers = ContractJson.MAPPER.createArrayNode();
        containers.addObject().put("Id", "%064d".formatted(0)).put("Image", "evil/miner").put("State", "running")
                .putObject("Labels").put("filler", "x".repeat(70_000));
        for (int i = 1; i <= 20; i++) {
            containers.addObject().put("Id", "%064d".formatted(i)).put("Image", "local/busybox:1")
                    .put("State", "running").putArray("Names").add("/container-" + i);
        }
        ProducerRecord<byte[], byte[]> state = TestRecords.bridge(TOPIC, "host-a", "a".repeat(32), "state",
                ContractJson.write(new StateSnapshot(ContractJson.rfc3339(t0), t0, containers)), t0 / 1_000_000L);
        consumer.addRecord(record(P0, 0, state.headers(), state.value()));
        round(loop);

        JsonNode alert = TestRecords.alert(sink.accepted.get(0).getBytes(StandardCharsets.UTF_8));
        assertThat(alert.path("truncated").asBoolean()).isTrue();
        assertThat(alert.path("docker_bridge").path("containers")).extracting(c -> c.path("Image").asText())
                .hasSize(20).containsOnly("local/busybox:1");
        assertThat(alert.path("docker_bridge").path("containersOmitted").asInt()).isEqualTo(1);
        assertThat(metrics.truncatedTotal()).as("counted as every alert marked truncated").isEqualTo(1);
    }

    /**
     * A host back while Wazuh refuses: its heartbeat is not done, and so not committed, until its {@code host-back}
     * is sent. Before, the heartbeat was committed as soon as the alert was queued: a stop then (a rolling restart)
     * lost the alert, and Wazuh was never told the host was back.
     */
    @Test
    void aHeartbeatThatMadeAHostBackIsCommittedOnlyOnceTheAlertIsSent() {
        long t0 = 1_764_000_000_000_000_000L;
        DeliveryLoop loop = liveAfterAHeartbeat(t0);
        runFor(loop, 4 * HEARTBEAT_INTERVAL.toNanos());
        assertThat(hostAlerts()).containsExactly("silent-host host-" + "a".repeat(32));

        sink.refuse = datagram -> true; // Wazuh restarting when the host comes back
        consumer.addRecord(heartbeat(P0, 1, t0 + 14 * HEARTBEAT_INTERVAL.toNanos()));
        consumer.addRecord(event(P0, 2, "after"));
        consumer.updateEndOffsets(Map.of(P0, 3L));
        for (int i = 0; i < 5; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(committed(P0)).as("not past the heartbeat whose host-back waits").isEqualTo(1);

        sink.refuse = datagram -> false;
        for (int i = 0; i < 5; i++) {
            tick(COMMIT_INTERVAL.toNanos());
            round(loop);
        }
        assertThat(hostAlerts()).containsExactly("silent-host host-" + "a".repeat(32),
                "host-back host-" + "a".repeat(32));
        assertThat(names(sink.accepted)).contains("after");
        assertThat(committed(P0)).isEqualTo(3);
    }

    /**
     * A partition assigned at its previous owner's position is read again from a little before it, for its hosts'
     * heartbeats only: a host whose last heartbeat the previous owner delivered just before the rebalance is reported
     * silent by the new owner (it was by nobody), and nothing before that position is delivered or committed again.
     */
    @Test
    void aPartitionAssignedAtItsPreviousOwnersPositionIsReadAgainBeforeItForItsHostsHeartbeatsOnly() {
        long t0 = 1_764_000_000_000_000_000L;
        DeliveryLoop loop = live(0, 1000); // subscribed, nothing assigned yet
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(3, previousOwnersMark())));
        commits.clear(); // the previous owner's
        firstAtTime.put(P0, 1L);
        consumer.rebalance(List.of(P0));
        assertThat(timesAsked).as("the look-back, before the partition's time at the previous owner's position")
                .containsEntry(P0, RECORD_TIME_MS - 1000 - LOOK_BACK.toMillis());
        consumer.addRecord(heartbeat(P0, 1, t0, "silent")); // the last heartbeat of a host going silent
        consumer.addRecord(event(P0, 2, "old")); // delivered by the previous owner
        consumer.addRecord(event(P0, 3, "new"));
        consumer.addRecord(heartbeat(P0, 4, t0 + HEARTBEAT_INTERVAL.toNanos(), "speaking"));
        consumer.updateEndOffsets(Map.of(P0, 5L));
        for (int i = 0; i < 6; i++) {
            round(loop);
            assertThat(commits.values()).as("nothing below the previous owner's position committed")
                    .allSatisfy(offset -> assertThat(offset).isGreaterThanOrEqualTo(3));
            runFor(loop, HEARTBEAT_INTERVAL.toNanos());
        }
        assertThat(names(sink.accepted)).as("delivered by the previous owner: not again").doesNotContain("old")
                .contains("new");
        assertThat(hostAlerts()).as("the host silent since before the rebalance").contains("silent-host host-silent");
        assertThat(committed(P0)).isEqualTo(5);
    }

    /**
     * The log was cut below the previous owner's position and written again (an unclean leader election): the records
     * written since, of a later leader epoch, are new and delivered. Taken as read by the previous owner, they were
     * lost without a word.
     */
    @Test
    void recordsWrittenAgainBelowThePreviousOwnersPositionAreDelivered() {
        DeliveryLoop loop = live(0, 1000);
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(4, Optional.of(5),
                previousOwnersMark())));
        commits.clear();
        firstAtTime.put(P0, 1L);
        consumer.rebalance(List.of(P0));
        consumer.addRecord(withEpoch(event(P0, 1, "old"), 5)); // delivered by the previous owner
        consumer.addRecord(withEpoch(event(P0, 2, "written-again-1"), 6)); // the log cut to 2, then written
        consumer.addRecord(withEpoch(event(P0, 3, "written-again-2"), 6));
        consumer.addRecord(withEpoch(event(P0, 4, "next"), 6));
        consumer.updateEndOffsets(Map.of(P0, 5L));
        for (int i = 0; i < 4; i++) {
            round(loop);
            tick(COMMIT_INTERVAL.toNanos());
        }
        assertThat(names(sink.accepted)).containsExactly("written-again-1", "written-again-2", "next");
    }

    /**
     * The look-back's first records deleted by Kafka before they were read again: they were delivered by the previous
     * owner, so nothing is reported lost, and delivery goes on from the previous owner's position.
     */
    @Test
    void aLookBackDeletedBeforeItIsReadAgainIsNoLoss() {
        DeliveryLoop loop = live(0, 1000);
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(10, previousOwnersMark())));
        commits.clear();
        firstAtTime.put(P0, 2L);
        consumer.rebalance(List.of(P0));
        consumer.updateBeginningOffsets(Map.of(P0, 5L));
        consumer.setPollException(new OffsetOutOfRangeException("out of range", Map.of(P0, 2L)));
        round(loop);
        addEvents(P0, 10, "next");
        consumer.updateEndOffsets(Map.of(P0, 11L));
        round(loop);
        assertThat(names(sink.accepted)).as("no deleted-before-delivery alert; the next record delivered")
                .containsExactly("next");
        assertThat(metrics.deletedBeforeDeliveryTotal()).isZero();
    }

    /**
     * A partition handed over to this forwarder and revoked again before its look-back reached the previous owner's
     * position (a rolling restart moving it twice within seconds; a Wazuh outage, which pauses fetching while a record
     * waits) is not committed: the previous owner's commit stands, its mark with it. Committed again at that offset
     * with this forwarder's mark (a time before that owner's, or none, and alerts unsent not said), it made the next
     * owner take every host silent by then as reported, those whose alerts that owner never sent too.
     */
    @Test
    void aPartitionRevokedBeforeItsLookBackReachedThePreviousOwnersPositionKeepsThatOwnersCommit() {
        handedOverAndPartlyReadAgain();
        consumer.rebalance(List.of());
        assertThat(lastCommitted.get(P0)).as("the previous owner's commit, its mark included")
                .isEqualTo(UNSENT_AT_3);
        assertThat(commits).as("nothing committed for it").doesNotContainKey(P0);
    }

    /** The same at a stop: its last commit leaves a partition still handed over as the previous owner left it. */
    @Test
    void aStopBeforeTheLookBackReachedThePreviousOwnersPositionKeepsThatOwnersCommit() {
        DeliveryLoop loop = handedOverAndPartlyReadAgain();
        loop.stop();
        loop.finish();
        assertThat(lastCommitted.get(P0)).as("the previous owner's commit, its mark included")
                .isEqualTo(UNSENT_AT_3);
        assertThat(commits).as("nothing committed for it").doesNotContainKey(P0);
    }

    /**
     * What that cost, end to end: an owner stopped while Wazuh was down, a host's silent-host alert queued and never
     * sent; the partition went to a forwarder that gave it up before reading it again, then to one that keeps it,
     * which reports the host. Before, nobody did.
     */
    @Test
    void aHostWhoseAlertThePreviousOwnerNeverSentIsReportedAfterAHandOverCutShort() {
        long t0 = RECORD_TIME_MS * 1_000_000L;
        long interval = HEARTBEAT_INTERVAL.toNanos();
        DeliveryLoop loop = live(0, 1000); // subscribed, nothing assigned yet
        // Silent for 25 s (five intervals) at the owner's stop: its silent-host alert queued, unsent.
        consumer.commitSync(Map.of(P0, new OffsetAndMetadata(7,
                new WatchHandover.Mark(RECORD_TIME_MS + 25_000, true).metadata())));
        firstAtTime.put(P0, 1L);
        consumer.rebalance(List.of(P0)); // a forwarder takes it, and gives it up before reading anything again
        consumer.rebalance(List.of());
        consumer.rebalance(List.of(P0)); // the one that keeps it
        consumer.addRecord(heartbeat(P0, 1, t0, "silent"));
        for (int k = 1; k <= 6; k++) { // offsets 2-7: another host, every interval, up to and past the position
            consumer.addRecord(heartbeat(P0, k + 1, t0 + k * interval, "speaking"));
        }
        consumer.updateEndOffsets(Map.of(P0, 8L));
        for (int i = 0; i < 4; i++) {
            round(loop);
            tick(interval);
        }
        assertThat(hostAlerts()).contains("silent-host host-silent");
    }

    /** What an owner stopped while Wazuh was down committed: its partition's time, host-state alerts unsent. */
    private static final OffsetAndMetadata UNSENT_AT_3 = new OffsetAndMetadata(3,
            new WatchHandover.Mark(RECORD_TIME_MS - 1000, true).metadata());

    /**
     * P0 handed over at {@link #UNSENT_AT_3} and read again from offset 1 up to offset 2 only (a heartbeat 20 s before
     * that owner's time: this forwarder's mark would say that time), a commit interval past.
     */
    private DeliveryLoop handedOverAndPartlyReadAgain() {
        DeliveryLoop loop = live(0, 1000); // subscribed, nothing assigned yet
        consumer.commitSync(Map.of(P0, UNSENT_AT_3));
        commits.clear(); // the previous owner's
        firstAtTime.put(P0, 1L);
        consumer.rebalance(List.of(P0));
        consumer.addRecord(heartbeat(P0, 1, (RECORD_TIME_MS - 20_000) * 1_000_000L, "speaking"));
        consumer.updateEndOffsets(Map.of(P0, 5L));
        round(loop);
        tick(COMMIT_INTERVAL.toNanos());
        round(loop);
        return loop;
    }

    /**
     * A stall goes to Wazuh from the partition's owner only: one said by the watch just before its partition was
     * revoked is the new owner's to say (twice otherwise, or an end never said). A stall waiting to be sent is not a
     * host alert: a hand-over's mark does not tell the next owner to report its hosts again.
     */
    @Test
    void aStallIsSaidInWazuhByThePartitionsOwnerAndIsNoHostAlertOfAHandOver() {
        DeliveryLoop loop = live(0, 1000, P0);
        round(loop);
        changesSaid.add(new StalledPartitions.Stalled(P1, 7, 3, 150_000_000_000L)); // P1: not this forwarder's
        changesSaid.add(new StalledPartitions.Stalled(P0, 41, 9, 150_000_000_000L));
        sink.refuseFrom = 0; // Wazuh refusing: the stall waits
        round(loop);
        consumer.rebalance(List.of()); // revoked while it waits: the revocation's commit carries the mark
        assertThat(WatchHandover.Mark.of(committedMetadata(P0)).alertsUnsent()).as("no host alert waits").isFalse();
        sink.refuseFrom = Integer.MAX_VALUE;
        tick(1_000_000_000L);
        round(loop);
        List<JsonNode> alerts = sink.accepted.stream().map(d -> TestRecords.alert(d.getBytes(StandardCharsets.UTF_8))
                .path("docker_bridge")).toList();
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.path("event").asText()).isEqualTo("partition-stalled");
            assertThat(a.path("partition").asInt()).isEqualTo(P0.partition());
            assertThat(a.path("stableOffset").asLong()).isEqualTo(41);
        });
    }

    /**
     * A partition that takes no writes is said in Wazuh, and when it takes them again, with its replicas and how long
     * it took none: its hosts'
     * silences stand still meanwhile (no silent-host alert), so without it a site that watches only Wazuh saw nothing
     * of a Kafka outage that stopped every alert of those hosts.
     */
    @Test
    void aPartitionThatTakesNoWritesIsSaidInWazuhAndWhenItTakesThemAgain() {
        DeliveryLoop loop = live(0, 1000, P0);
        round(loop);
        changesSaid.add(new UnwritablePartitions.Stopped(P0, 1, 0, 2));
        round(loop);
        changesSaid.add(new UnwritablePartitions.Started(P1, 3, 2, 0)); // P1: not this forwarder's
        changesSaid.add(new UnwritablePartitions.Started(P0, 3, 2, 45_500_000_000L));
        tick(1_000_000_000L);
        round(loop);
        List<JsonNode> alerts = sink.accepted.stream().map(d -> TestRecords.alert(d.getBytes(StandardCharsets.UTF_8))
                .path("docker_bridge")).toList();
        assertThat(alerts).extracting(a -> a.path("event").asText() + " " + a.path("topic").asText() + "-"
                + a.path("partition").asInt() + " " + a.path("inSyncReplicas").asInt() + "/"
                + a.path("minInSyncReplicas").asInt() + " " + (a.has("unwritableSeconds") ? a.path("unwritableSeconds")
                .asLong() + " s" : "-"))
                .containsExactly("partition-unwritable " + P0 + " 1/2 -",
                        "partition-writable " + P0 + " 3/2 45 s");
    }

    /**
     * One host's flood (9 records in 10) paced at 100 a second, 14,000 records behind: said in Wazuh, naming that
     * host, once it filled a minute of windows in a row, and again once the partition caught up (no more waiting than a
     * window sent). Before, nothing named the host that kept every other host of its partition waiting.
     */
    @Test
    void aHostFloodingAPartitionIsSaidInWazuhAndWhenThePartitionCaughtUp() {
        DeliveryLoop loop = live(100, 1000, P0);
        long offset = 0;
        for (int i = 0; i < 14_000; i++) {
            String host = i % 10 == 0 ? "web-" + i : "looper";
            consumer.addRecord(stamped(P0, offset++, TestRecords.event(TOPIC, "host-" + host, host,
                    TestRecords.containerEvent("c-" + i, 1_764_000_000_000_000_000L + i))));
        }
        consumer.updateEndOffsets(Map.of(P0, offset));

        runPaced(loop, FloodingHosts.FLOOD_WINDOWS * FloodingHosts.WINDOW_NANOS - TimeUnit.SECONDS.toNanos(2));
        assertThat(floodAlerts()).as("not a minute of windows yet").isEmpty();
        runPaced(loop, TimeUnit.SECONDS.toNanos(8)); // each window judged within a second of its end
        assertThat(floodAlerts()).singleElement().satisfies(a -> {
            assertThat(a.path("docker_bridge").path("event").asText()).isEqualTo("host-flooding");
            assertThat(a.path("docker_host").path("name").asText()).isEqualTo("host-looper");
            assertThat(a.path("docker_bridge").path("partition").asInt()).isEqualTo(P0.partition());
            long of = a.path("docker_bridge").path("ofRecords").asLong();
            assertThat(of).as("a window (10 s, judged within a second of its end) at 100 a second")
                    .isBetween(950L, 1_150L);
            assertThat(a.path("docker_bridge").path("records").asLong()).as("9 in 10 of them")
                    .isBetween(of * 85 / 100, of * 95 / 100);
            assertThat(a.path("docker_bridge").path("waiting").asLong()).as("14,000 less a minute and more sent")
                    .isBetween(7_000L, 8_000L);
        });
        assertThat(gauge("dwb_forwarder_partitions_flooded")).isEqualTo(1);

        runPaced(loop, TimeUnit.SECONDS.toNanos(85));
        assertThat(names(sink.accepted.stream().filter(d -> d.contains("\"docker\":")).toList())).hasSize(14_000);
        assertThat(floodAlerts()).hasSize(2).last().satisfies(a -> {
            assertThat(a.path("docker_bridge").path("event").asText()).isEqualTo("partition-caught-up");
            assertThat(a.path("docker_host").path("name").asText()).isEqualTo("host-looper");
            assertThat(a.path("docker_bridge").path("floodSeconds").asLong()).as("till a window's worth waited")
                    .isBetween(60L, 70L);
        });
        assertThat(gauge("dwb_forwarder_partitions_flooded")).isZero();
    }

    /**
     * A host's events written one a second (its engine's times), stamped by the broker at once as they were appended
     * (a topic of {@code LogAppendTime}, a listener flushing what it held through a Kafka outage): written at the
     * host's pace, no flood. Judged by the record timestamps, they looked written all at once.
     */
    @Test
    void eventsWrittenAtTheirHostsPaceAreNoFloodWhateverTheirRecordsTimestamps() {
        DeliveryLoop loop = live(100, 1000, P0);
        for (int i = 0; i < 14_000; i++) {
            ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-held", "held",
                    TestRecords.containerEvent("c-" + i, 1_764_000_000_000_000_000L + i * 1_000_000_000L));
            consumer.addRecord(new ConsumerRecord<>(P0.topic(), P0.partition(), i, RECORD_TIME_MS,
                    TimestampType.LOG_APPEND_TIME, produced.key().length, produced.value().length, produced.key(),
                    produced.value(), produced.headers(), Optional.empty()));
        }
        consumer.updateEndOffsets(Map.of(P0, 14_000L));

        runPaced(loop, TimeUnit.SECONDS.toNanos(75));

        assertThat(names(sink.accepted)).hasSizeGreaterThan(6_000);
        assertThat(floodAlerts()).isEmpty();
    }

    /**
     * A host alone in its partition read back at a little under the pace it wrote, while Wazuh refuses for 700 ms once
     * every 10 s: each pause starts and ends between two of the loop's once-a-second looks, so only the pause's start
     * drops the window it falls in. Before, those windows were judged, the refused time taken for delivery's pace, and
     * the host said to flood its partition.
     */
    @Test
    void aShortPauseBetweenTwoLooksStillDropsTheWindowItFallsIn() {
        DeliveryLoop loop = live(100, 1000, P0);
        for (int i = 0; i < 14_000; i++) {
            ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-held", "held",
                    TestRecords.containerEvent("c-" + i, 1_764_000_000_000_000_000L + i * 10_530_000L)); // 95 a second
            consumer.addRecord(new ConsumerRecord<>(P0.topic(), P0.partition(), i, RECORD_TIME_MS,
                    TimestampType.CREATE_TIME, produced.key().length, produced.value().length, produced.key(),
                    produced.value(), produced.headers(), Optional.empty()));
        }
        consumer.updateEndOffsets(Map.of(P0, 14_000L));
        sink.refuse = datagram -> {
            long intoWindow = (now - START) % TimeUnit.SECONDS.toNanos(10);
            return intoWindow >= TimeUnit.MILLISECONDS.toNanos(100) && intoWindow < TimeUnit.MILLISECONDS.toNanos(800);
        };

        runPaced(loop, TimeUnit.SECONDS.toNanos(75));

        assertThat(names(sink.accepted)).hasSizeGreaterThan(6_000);
        assertThat(floodAlerts()).isEmpty();
    }

    private List<JsonNode> floodAlerts() {
        return sink.accepted.stream().map(d -> (JsonNode) TestRecords.alert(d.getBytes(StandardCharsets.UTF_8)))
                .filter(a -> List.of(BridgeAlert.HOST_FLOODING.event(), BridgeAlert.PARTITION_CAUGHT_UP.event())
                        .contains(a.path("docker_bridge").path("event").asText()))
                .toList();
    }

    /**
     * A revocation while running waits for Kafka as long as the consumer does (a coordinator moving or slow: giving
     * up makes the next owner deliver again what was delivered); only a stop's commits are bounded (systemd's 60 s).
     */
    @Test
    void onlyAStopsCommitsWaitLessThanKafkasOwnTimeout() {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        addEvents(P0, "a");
        addEvents(P1, "b");
        round(loop);
        consumer.rebalance(List.of(P1)); // P0 goes to another member, "a" not committed yet
        assertThat(commitWaits).as("the revocation's commit").containsExactly(Optional.empty());
        loop.stop();
        loop.finish();
        assertThat(commitWaits).as("the stop's").containsExactly(Optional.empty(),
                Optional.of(DeliveryLoop.COMMIT_WAIT));
    }

    /**
     * The loop's thread held four intervals (a revocation's commit waits up to a minute, a lookup 30 s, a collection,
     * a frozen VM) while the hosts heartbeated: the records of those seconds were not read yet, so the partition's
     * time did not run through the hold; the first judgement after it, made before the poll's heartbeats are read,
     * reported every host silent, then back.
     */
    @Test
    void aLoopHeldWhileItsHostsHeartbeatReportsNoHostSilent() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        long interval = HEARTBEAT_INTERVAL.toNanos();
        long offset = 0;
        for (int beat = 0; beat < 6; beat++) { // 30 s of two hosts heartbeating, read as written
            for (String h : List.of("h1", "h2")) {
                consumer.addRecord(stamped(P0, offset++, heartbeatOf(h, t0 + beat * interval)));
            }
            consumer.updateEndOffsets(Map.of(P0, offset));
            for (int i = 0; i < 5; i++) {
                round(loop);
                tick(TimeUnit.SECONDS.toNanos(1));
            }
        }
        assertThat(hostAlerts()).isEmpty();
        for (int beat = 6; beat < 10; beat++) { // written while the loop was held
            for (String h : List.of("h1", "h2")) {
                consumer.addRecord(stamped(P0, offset++, heartbeatOf(h, t0 + beat * interval)));
            }
        }
        consumer.updateEndOffsets(Map.of(P0, offset));
        tick(4 * interval);
        round(loop);
        round(loop);

        assertThat(hostAlerts()).as("every host heartbeated throughout").isEmpty();
    }

    /**
     * The commit that ends a hold (a revocation or a stop in a held poll; a revocation's wait for the writes) dates
     * its mark at the last round, what the loop knew: dated at the commit, the hold was in it, and the next owner took
     * the hosts heartbeating throughout as reported silent (their next heartbeats false host-backs), and one truly
     * silent for less than the hold more than three intervals as reported by a forwarder that never reported it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"revoked", "stopped", "afterARound"})
    void theMarkOfACommitEndingAHoldCountsNoHold(String how) {
        DeliveryLoop loop = live(0, 1000, P0, P1);
        long t0 = 1_764_000_000_000_000_000L;
        long interval = HEARTBEAT_INTERVAL.toNanos();
        long offset = 0;
        for (int beat = 0; beat < 6; beat++) {
            for (String h : List.of("h1", "h2")) {
                consumer.addRecord(stamped(P0, offset++, heartbeatOf(h, t0 + beat * interval)));
            }
            consumer.updateEndOffsets(Map.of(P0, offset, P1, 0L));
            runFor(loop, interval);
        }
        long lastRoundTimeMs = pipeline.partitionTimeMs(0, now);
        tick(4 * interval); // held; the heartbeats of those 20 s written, not read
        switch (how) {
            case "revoked" -> consumer.rebalance(List.of(P1)); // within the held poll
            case "stopped" -> { // a stop's wake-up ends the held poll
                loop.stop();
                loop.finish();
            }
            default -> {
                round(loop);
                loop.stop();
                loop.finish();
            }
        }
        WatchHandover.Mark mark = WatchHandover.Mark.of(lastCommitted.get(P0));
        SilentHostWatch next = new SilentHostWatch(); // the next owner: both hosts heartbeated throughout
        next.handingOver(0, mark);
        for (String h : List.of("h1", "h2")) {
            next.heartbeat(0, new HostRef("host-" + h, h), HEARTBEAT_INTERVAL.toSeconds(), t0 + 5 * interval, 0);
        }

        assertThat(mark.partitionTimeMs() - lastRoundTimeMs).as("the hold in the mark")
                .isLessThan(TimeUnit.NANOSECONDS.toMillis(DeliveryLoop.HELD_NANOS));
        assertThat(next.handedOver(0, 0).reportedBefore()).as("live hosts taken as reported silent").isZero();
    }

    /** A partition truly quiet through a held loop: its hosts are reported once the loop looks again. */
    @Test
    void aHostSilentThroughAHeldLoopIsReportedOnceTheLoopRunsAgain() {
        DeliveryLoop loop = live(0, 1000, P0);
        long t0 = 1_764_000_000_000_000_000L;
        consumer.addRecord(stamped(P0, 0, heartbeatOf("h1", t0)));
        consumer.updateEndOffsets(Map.of(P0, 1L));
        round(loop);
        tick(TimeUnit.SECONDS.toNanos(1));
        round(loop); // live from here
        tick(4 * HEARTBEAT_INTERVAL.toNanos()); // held, nothing written meanwhile
        round(loop);
        assertThat(hostAlerts()).as("the hold counts no silence").isEmpty();

        for (int s = 0; s < 4 * HEARTBEAT_INTERVAL.toSeconds(); s++) {
            tick(TimeUnit.SECONDS.toNanos(1));
            round(loop);
        }
        assertThat(hostAlerts()).containsExactly("silent-host host-h1");
    }

    /** The events topic's partitions, as the consumer's metadata lists them. */
    private static List<PartitionInfo> partitionInfos(int count) {
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            infos.add(new PartitionInfo(TOPIC, p, null, null, null));
        }
        return infos;
    }

    /** The silent-host and host-back alerts sent, as "event host". */
    private List<String> hostAlerts() {
        return sink.accepted.stream().map(d -> TestRecords.alert(d.getBytes(StandardCharsets.UTF_8)))
                .filter(a -> List.of(BridgeAlert.SILENT_HOST.event(), BridgeAlert.HOST_BACK.event())
                        .contains(a.path("docker_bridge").path("event").asText()))
                .map(a -> a.path("docker_bridge").path("event").asText() + " "
                        + a.path("docker_host").path("name").asText())
                .toList();
    }

    private static ProducerRecord<byte[], byte[]> heartbeatOf(String hostId, long timeNano) {
        return TestRecords.bridge(TOPIC, "host-" + hostId, hostId, "heartbeat", ContractJson.write(new Heartbeat(
                ContractJson.rfc3339(timeNano), timeNano, HEARTBEAT_INTERVAL.toSeconds(), true, null)),
                timeNano / 1_000_000L);
    }

    /** {@code produced} as Kafka hands it over, stamped as its producer stamped it (the listener's clock). */
    private static ConsumerRecord<byte[], byte[]> stamped(TopicPartition tp, long offset,
                                                          ProducerRecord<byte[], byte[]> produced) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, produced.timestamp(),
                TimestampType.CREATE_TIME, produced.key().length, produced.value().length, produced.key(),
                produced.value(), produced.headers(), Optional.empty());
    }

    /**
     * A live loop of P0 that has delivered its one record, a heartbeat dated {@code t0}: all of P0 read, its time runs
     * with the clock.
     */
    /**
     * A loop paced at 1,000 alerts a second whose {@code hosts} on P0, each heard once, are silent just after now: all
     * read, the partition's time runs with the clock, and none of them says anything more.
     */
    private DeliveryLoop silentJustAfterNow(int hosts) {
        DeliveryLoop loop = live(1000, 10_000, P0);
        long t0 = RECORD_TIME_MS * 1_000_000L;
        for (int i = 0; i < hosts; i++) {
            consumer.addRecord(heartbeat(P0, i, t0, "h" + i));
        }
        consumer.updateEndOffsets(Map.of(P0, (long) hosts));
        round(loop);
        tick(1_000_000_000L);
        round(loop);
        runFor(loop, 3 * HEARTBEAT_INTERVAL.toNanos());
        return loop;
    }

    private DeliveryLoop liveAfterAHeartbeat(long t0) {
        DeliveryLoop loop = live(0, 1000, P0);
        consumer.addRecord(heartbeat(P0, 0, t0));
        consumer.updateEndOffsets(Map.of(P0, 1L));
        round(loop);
        return loop;
    }

    private DeliveryLoop live(int eps, int maxPending, TopicPartition... assigned) {
        AlertPipeline.Mode mode = mode();
        return live(mode, new DirectOutbox(new DatagramWriter(sink, mode, metrics, this::wallMillis)), eps,
                maxPending, assigned);
    }

    private AlertPipeline.Mode mode() {
        return new AlertPipeline.Mode.Live(new DeadLetterQueue(TOPIC + "-dlq", new Properties(), deadLetters,
                this::wallMillis),
                new SilentHostWatch());
    }

    private DeliveryLoop live(AlertPipeline.Mode mode, Outbox outbox, int eps, int maxPending,
                              TopicPartition... assigned) {
        pipeline = new AlertPipeline(classifier,
                new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.ALL, FieldBudget.DEFAULT, new AlertFormatter(),
                new DuplicateWindow(1000), outbox,
                new Pacer(eps, () -> now), mode, metrics, false, () -> now);
        DeliveryLoop loop = new DeliveryLoop(consumer, pipeline, metrics,
                new Feed.Live(TOPIC, new LiveStart(Duration.ZERO, this::wallMillis, OffsetReset.EARLIEST,
                        new WatchHandover(LOOK_BACK, this::wallMillis)),
                        openTransactions, TestRecords.neverRefused()),
                COMMIT_INTERVAL,
                maxPending, budget, Duration.ofSeconds(10), Duration.ofSeconds(60), Forwarder.METADATA_MAX_AGE, search,
                clientThreads,
                () -> now);
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L, P2, 0L, P3, 0L));
        loop.start();
        consumer.rebalance(List.of(assigned));
        return loop;
    }

    /** A live loop whose datagrams go to {@code sink} (the test's own behind a gate), written at once. */
    private DeliveryLoop live(AlertSink sink, TopicPartition... assigned) {
        AlertPipeline.Mode mode = mode();
        return live(mode, new DirectOutbox(new DatagramWriter(sink, mode, metrics, this::wallMillis)), 0, 1000,
                assigned);
    }

    /** {@code sink}, the words of each of its refusals added to {@code refusals}. */
    private static AlertSink noting(AlertSink sink, List<String> refusals) {
        return new AlertSink() {
            @Override
            public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
                try {
                    sink.send(datagram);
                } catch (SinkUnavailableException e) {
                    refusals.add(e.getMessage());
                    throw e;
                }
            }

            @Override
            public void close() {
            }
        };
    }

    /** wazuh-analysisd's state, its event queue {@code percent} % full. */
    private void analysisdState(Path file, int percent) throws IOException {
        writeState(file, "events_dropped='0'\nevent_queue_usage='" + percent / 100.0
                + "'\nevent_queue_size='16384'\n");
    }

    /** wazuh-agentd's state: its {@code status}, and its buffer holding {@code buffered} events. */
    private void agentdState(Path file, String status, int buffered) throws IOException {
        writeState(file, "status='" + status + "'\nmsg_buffer='" + buffered + "'\n");
    }

    /** Written as a Wazuh daemon writes its state (a whole new file), now by the test's wall clock. */
    private void writeState(Path file, String text) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".temp");
        Files.writeString(temp, text);
        Files.setLastModifiedTime(temp, FileTime.fromMillis(wallMillis()));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void round(DeliveryLoop loop) {
        assertThat(loop.runOnce()).as("live delivery never ends by itself").isFalse();
    }

    /**
     * The loop running for {@code nanos}, a round a second, as it does when nothing holds it ({@link #tick} alone is
     * a loop held that long: a time it does not count as its hosts' silence).
     */
    private void runFor(DeliveryLoop loop, long nanos) {
        for (long left = nanos; left > 0; left -= TimeUnit.SECONDS.toNanos(1)) {
            tick(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            round(loop);
        }
    }

    /** The loop running for {@code nanos}, a round each 50 ms, as a paced loop's rounds come (its burst is small). */
    private void runPaced(DeliveryLoop loop, long nanos) {
        for (long left = nanos; left > 0; left -= TimeUnit.MILLISECONDS.toNanos(50)) {
            tick(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
            round(loop);
        }
    }

    private void tick(long nanos) {
        now += nanos;
    }

    /** The wall clock: at the test records' timestamp when the test starts, then moving with {@link #now}. */
    private long wallMillis() {
        return RECORD_TIME_MS + (now - START) / 1_000_000L;
    }

    private double counter(String name) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((io.prometheus.metrics.model.snapshots.CounterSnapshot) s).getDataPoints().get(0)
                        .getValue()).findFirst().orElseThrow();
    }

    private double gauge(String name) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((GaugeSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    private HistogramSnapshot.HistogramDataPointSnapshot deliveryLatency() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_forwarder_delivery_latency_seconds"))
                .map(s -> ((HistogramSnapshot) s).getDataPoints().get(0)).findFirst().orElseThrow();
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

    private void addEvents(TopicPartition tp, String... names) {
        addEvents(tp, 0, names);
    }

    private void addEvents(TopicPartition tp, long firstOffset, String... names) {
        long offset = firstOffset;
        for (String name : names) {
            consumer.addRecord(event(tp, offset++, name));
        }
    }

    /** The same name is the same event (same time, so same id): a duplicate. */
    private static ConsumerRecord<byte[], byte[]> event(TopicPartition tp, long offset, String name) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32),
                TestRecords.containerEvent(name, 1_764_000_000_000_000_000L + name.hashCode()));
        return record(tp, offset, produced.headers(), produced.value());
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset,
                                                         org.apache.kafka.common.header.Headers headers,
                                                         byte[] value) {
        byte[] key = "a".repeat(32).getBytes(StandardCharsets.UTF_8);
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, RECORD_TIME_MS,
                TimestampType.CREATE_TIME, key.length, value.length, key, value,
                new RecordHeaders(headers.toArray()), Optional.empty());
    }

    private static ConsumerRecord<byte[], byte[]> heartbeat(TopicPartition tp, long offset, long timeNano) {
        return heartbeat(tp, offset, timeNano, "a".repeat(32));
    }

    private static ConsumerRecord<byte[], byte[]> heartbeat(TopicPartition tp, long offset, long timeNano,
                                                            String hostId) {
        byte[] value = ContractJson.write(new Heartbeat(ContractJson.rfc3339(timeNano), timeNano,
                HEARTBEAT_INTERVAL.toSeconds(), true, null));
        ProducerRecord<byte[], byte[]> produced = TestRecords.bridge(TOPIC, "host-" + hostId, hostId, "heartbeat",
                value, timeNano / 1_000_000L);
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, RECORD_TIME_MS, TimestampType.CREATE_TIME,
                produced.key().length, value.length, produced.key(), value, produced.headers(), Optional.empty());
    }

    /** What a previous owner's commit says: its partition's time a second before the records' time, alerts sent. */
    private static String previousOwnersMark() {
        return new WatchHandover.Mark(RECORD_TIME_MS - 1000, false).metadata();
    }

    private OffsetAndMetadata committedMetadata(TopicPartition tp) {
        return consumer.committed(Set.of(tp)).get(tp);
    }

    private long committed(TopicPartition tp) {
        return commits.getOrDefault(tp, -1L);
    }

    /**
     * The name of each alert's container, in order; not the alerts that say records were dead-lettered, which come
     * apart, a second later ({@link #deadLetterAlerts}).
     */
    private static List<String> names(List<String> datagrams) {
        return datagrams.stream()
                .map(d -> TestRecords.alert(d.getBytes(StandardCharsets.UTF_8)))
                .filter(a -> !a.path("docker_bridge").path("event").asText().equals("records-dead-lettered"))
                .map(a -> a.path("docker").path("Actor").path("Attributes").path("name").asText())
                .toList();
    }

    private static String header(ProducerRecord<byte[], byte[]> letter, String name) {
        return HeaderNames.read(letter.headers(), name);
    }

    /** A Wazuh queue that accepts, or refuses (for now, or the datagram for good), as the test says. */
    private static final class ScriptedSink implements AlertSink {
        final List<String> accepted = new CopyOnWriteArrayList<>();
        /** Every datagram offered, as the same array the pipeline made. */
        final List<byte[]> attempted = new CopyOnWriteArrayList<>();
        /** When set, each datagram taken waits for a permit (a socket whose reader is slow). */
        Semaphore gate;
        /** When set, each send waits for a permit before it is taken or refused (a write on its way). */
        Semaphore entry;
        int attempts;
        /** Refuses (unavailable) once this many datagrams were accepted. */
        int refuseFrom = Integer.MAX_VALUE;
        Predicate<String> refuse = datagram -> false;
        Predicate<String> reject = datagram -> false;
        /** Fails unforeseen (a bug of the sink's) on these. */
        Predicate<String> fail = datagram -> false;

        @Override
        public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
            if (entry != null) {
                entry.acquireUninterruptibly();
            }
            attempts++;
            attempted.add(datagram);
            String text = new String(datagram, StandardCharsets.UTF_8);
            if (accepted.size() >= refuseFrom || refuse.test(text)) {
                throw new SinkUnavailableException(SendFailure.MISSING, "socket missing: test");
            }
            if (reject.test(text)) {
                throw new SinkRejectedException("message too long");
            }
            if (fail.test(text)) {
                throw new IllegalStateException("a bug of the sink's");
            }
            if (gate != null) {
                gate.acquireUninterruptibly();
            }
            accepted.add(text);
        }

        @Override
        public void close() {
        }
    }
}
