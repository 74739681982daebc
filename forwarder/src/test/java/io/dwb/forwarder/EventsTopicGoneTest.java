package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The events topic deleted while the forwarder runs (an administrator's mistake on a shared cluster, a topic made
 * again): the group's assignment drops its partitions, which are revoked, and its hosts forgotten. The forwarder went
 * quiet and looked healthy, the records it had not delivered gone without a word but the Kafka client's warnings. Now
 * one ERROR says it, {@code dwb_forwarder_topic_missing} is 1, /healthz 503 after the bound, the records it knew of
 * and had not delivered are reported as deleted before delivery, and an INFO says when the topic is back; made again
 * with fewer partitions, a WARN. Kafka's MockConsumer shows the metadata ({@code updatePartitions}) and the
 * assignment ({@code rebalance}), the clock is the test's.
 */
class EventsTopicGoneTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);
    private static final TopicPartition P3 = new TopicPartition(TOPIC, 3);
    private static final long NOW_MS = 1_764_000_000_000L;
    private static final Duration UNHEALTHY_AFTER = Duration.ofSeconds(60);
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private long now = 1_000_000_000_000L;
    private final List<String> received = new CopyOnWriteArrayList<>();
    /** Wazuh's queue refuses the datagrams this matches, for now. */
    private Predicate<String> refuse = datagram -> false;
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    @RegisterExtension
    final LogLines logged = LogLines.of(StateChanges.class);
    /** The partitions each synchronous commit (a revocation's) committed. */
    private final Set<TopicPartition> committedAtRevocation = new HashSet<>();
    /** The waits of the synchronous commits given one (a stop's). */
    private final List<Duration> commitWaits = new ArrayList<>();

    /** Kafka as the consumer finds it, once a test says: its connections, its fetches answered, its look-ups. */
    private enum Kafka {
        /** Not said: no such metrics (a test double's), look-ups answered from the metadata. */
        UNSAID,
        /** A broker connected, answering fetches and look-ups. */
        UP,
        /** No broker connected (stopped): the metadata emptied (rebootstrapped), no look-up answered. */
        NO_CONNECTION,
        /** A connection counted, nothing answered (packets dropped, a broker hung): no look-up answered. */
        NOT_ANSWERING
    }

    private Kafka kafka = Kafka.UNSAID;
    private double fetchAnswers;
    /** The look-ups of the topic given a wait: each asks a broker, and holds the loop until it answers. */
    private int lookups;
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            committedAtRevocation.addAll(offsets.keySet());
            super.commitSync(offsets);
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            committedAtRevocation.addAll(offsets.keySet());
            commitWaits.add(timeout);
            super.commitSync(offsets, timeout);
        }

        /** A KafkaConsumer's: Kafka away, the metadata lacks the topic and no broker answers a look-up. */
        @Override
        public synchronized List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
            if (!timeout.isZero()) {
                lookups++;
            }
            if (kafka == Kafka.NO_CONNECTION || kafka == Kafka.NOT_ANSWERING) {
                throw new TimeoutException("Timeout expired while fetching topic metadata");
            }
            return super.partitionsFor(topic, timeout);
        }

        @Override
        public synchronized Map<MetricName, ? extends Metric> metrics() {
            if (kafka == Kafka.UNSAID) {
                return super.metrics();
            }
            if (kafka == Kafka.UP) {
                fetchAnswers++;
            }
            return Map.of(metricName("connection-count", "consumer-metrics"),
                    metric("connection-count", "consumer-metrics", kafka == Kafka.NO_CONNECTION ? 0.0 : 1.0),
                    metricName("fetch-total", "consumer-fetch-manager-metrics"),
                    metric("fetch-total", "consumer-fetch-manager-metrics", fetchAnswers));
        }
    };

    /**
     * Two partitions; in partition 0, "a" delivered, "b" and "c" fetched and waiting for Wazuh, three more written past
     * the position (its lag); then the topic deleted: gone from the metadata, and from the group leader's assignment.
     */
    private DeliveryLoop deletedWithRecordsWaiting() {
        DeliveryLoop loop = started(2, P0, P1);
        refuse = datagram -> datagram.contains("\"b\"");
        consumer.addRecord(event(P0, 0, "a"));
        consumer.addRecord(event(P0, 1, "b"));
        consumer.addRecord(event(P0, 2, "c"));
        consumer.updateEndOffsets(Map.of(P0, 6L, P1, 0L));
        runFor(loop, 2 * SECOND);
        assertThat(names()).containsExactly("a");
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();

        consumer.updatePartitions(TOPIC, List.of());
        consumer.rebalance(List.of());
        refuse = datagram -> false; // Wazuh takes alerts again
        runFor(loop, SECOND);
        return loop;
    }

    /** One ERROR naming the topic, what it means and the fix; the gauge 1. */
    @Test
    void aTopicDeletedIsOneErrorLineNamingTheFixAndTheGauge() {
        DeliveryLoop loop = deletedWithRecordsWaiting();
        assertThat(errors()).singleElement().asString().startsWith("topic events is gone from Kafka (deleted): the "
                        + "events of its partitions not delivered yet are gone with it")
                .contains("kafka-topics.sh --create --topic events --partitions 2")
                .contains("a listener's producer makes it with the broker's defaults");
        assertThat(gauge("dwb_forwarder_topic_missing")).isOne();
        runFor(loop, 30 * SECOND);
        assertThat(errors()).as("said once").hasSize(1);
    }

    /**
     * The records it had not delivered (fetched and waiting, or counted in the lag) are said and counted as deleted
     * before delivery, and in Wazuh; nothing is committed for a topic gone (the broker retries such a commit until the
     * consumer's timeout, 60 s, holding the loop).
     */
    @Test
    void theRecordsNotDeliveredAreReportedDeletedBeforeDeliveryAndNothingIsCommitted() {
        deletedWithRecordsWaiting();
        assertThat(committedAtRevocation).isEmpty();
        assertThat(warnings()).contains("lost up to 5 records of events-0 (offsets 1 to 5): deleted with the topic "
                + "before they were delivered (those this forwarder knew of: fetched, or counted in its lag)");
        assertThat(counter("dwb_forwarder_deleted_before_delivery")).isEqualTo(5);
        assertThat(received).hasSize(2).last().asString().contains("\"event\":\"deleted-before-delivery\"")
                .contains("\"partition\":0,\"fromOffset\":1,\"toOffset\":6,\"records\":5");
    }

    /** /healthz 503 once the topic has been gone for longer than the bound, Wazuh taking alerts meanwhile. */
    @Test
    void aTopicGoneForLongerThanTheBoundMakesTheForwarderUnhealthy() {
        DeliveryLoop loop = deletedWithRecordsWaiting();
        runFor(loop, 58 * SECOND);
        assertThat(gauge("dwb_forwarder_paused")).as("Wazuh takes alerts: /healthz is the topic's").isZero();
        assertThat(loop.healthy()).as("within the bound").isTrue();
        runFor(loop, 3 * SECOND);
        assertThat(loop.healthy()).as("gone for longer than the bound").isFalse();
    }

    /** Made again: an INFO, the gauge 0, /healthz 200, and its new records delivered. */
    @Test
    void aTopicBackIsAnInfoLineTheForwarderHealthyAgainAndItsRecordsDelivered() {
        DeliveryLoop loop = deletedWithRecordsWaiting();
        runFor(loop, 70 * SECOND);

        consumer.updatePartitions(TOPIC, partitions(2)); // made again, as docs/deployment.md says
        runFor(loop, SECOND);
        assertThat(infos()).contains("topic events is back, with 2 partition(s) (2 before): delivering again");
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
        assertThat(loop.healthy()).isTrue();
        // MockConsumer keeps the group's offsets (1 in partition 0); Kafka deletes them with the topic
        consumer.updateEndOffsets(Map.of(P0, 2L, P1, 0L));
        consumer.rebalance(List.of(P0, P1));
        consumer.addRecord(event(P0, 1, "new"));
        runFor(loop, SECOND);
        assertThat(names()).containsExactly("a", "new");
    }

    /**
     * Deleted and made again between two looks, with the broker's defaults (one partition), as a listener's producer
     * does on a cluster that creates topics on first use: the assignment keeps partition 0 and drops the others. One
     * WARN says the topic was made again with fewer partitions; what this forwarder held of the partitions it no longer
     * has is lost, said and counted, and not committed; the topic is there, so /healthz stays 200.
     */
    @Test
    void aTopicMadeAgainWithFewerPartitionsIsAWarnAndWhatItNoLongerHasIsReportedLost() {
        DeliveryLoop loop = started(4, P0, P1, P2, P3);
        consumer.updateEndOffsets(Map.of(P0, 0L, P1, 0L, P2, 4L, P3, 0L)); // four records of P2 not fetched yet
        runFor(loop, SECOND);

        consumer.updatePartitions(TOPIC, partitions(1));
        consumer.rebalance(List.of(P0));
        assertThat(warnings()).anySatisfy(w -> assertThat(w).startsWith("topic events now has 1 partition(s), 4 "
                + "before: it was made again, by a listener's producer with the broker's defaults")
                .contains("at most 1 forwarder(s) of the group deliver")
                .contains("kafka-topics.sh --alter --topic events --partitions 4"));
        assertThat(warnings()).contains("lost up to 4 records of events-2 (offsets 0 to 3): deleted with the topic "
                + "before they were delivered (those this forwarder knew of: fetched, or counted in its lag)");
        assertThat(committedAtRevocation).doesNotContain(P1, P2, P3);
        assertThat(errors()).isEmpty();
        runFor(loop, 70 * SECOND);
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
        assertThat(loop.healthy()).isTrue();
    }

    /** A partition revoked while the topic stays (moved to another forwarder) is committed, and nothing is said. */
    @Test
    void aPartitionMovedToAnotherForwarderIsCommittedAndNoLossIsSaid() {
        DeliveryLoop loop = started(2, P0, P1);
        consumer.addRecord(event(P1, 0, "a"));
        runFor(loop, SECOND);
        consumer.rebalance(List.of(P0));
        assertThat(committedAtRevocation).containsExactly(P1);
        assertThat(warnings()).isEmpty();
        assertThat(errors()).isEmpty();
    }

    /**
     * A forwarder may no longer describe the topic (an ACL removed): its metadata leaves the topic out as a deletion
     * would, while Kafka refuses its polls. That is Kafka refusing, said as such, not a topic gone.
     */
    @Test
    void aTopicTheForwarderMayNoLongerDescribeIsNotTakenForGone() {
        DeliveryLoop loop = started(2, P0, P1);
        runFor(loop, SECOND);
        consumer.updatePartitions(TOPIC, List.of());
        consumer.setPollException(new TopicAuthorizationException("Not authorized to access topics: [events]"));
        runFor(loop, 10 * SECOND);
        consumer.rebalance(List.of());
        runFor(loop, 10 * SECOND);
        assertThat(errors()).singleElement().asString().startsWith("Kafka refuses the forwarder");
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
    }

    /** A forwarder started before the first listener: the topic is not there yet, which is no deletion. */
    @Test
    void aTopicNotCreatedYetIsNotTakenForGone() {
        DeliveryLoop loop = loop();
        loop.start();
        runFor(loop, 70 * SECOND);
        assertThat(errors()).isEmpty();
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
        assertThat(loop.healthy()).isTrue();
    }

    /**
     * A broker stopped, Kafka unreachable: the consumer's metadata loses the topic (rebootstrapped), as a deletion
     * empties it. That was taken for a deletion: an ERROR, the gauge 1, and at the stop (the consumer's close revokes)
     * the commit skipped and the records not delivered reported lost. Nothing is judged without a broker's answer, no
     * look-up is made while no broker is connected, and the stop commits, with its bounded wait, and says no loss.
     */
    @Test
    void kafkaUnreachableWithTheTopicGoneFromTheMetadataIsNoDeletionAndTheStopCommitsLosingNothing() {
        DeliveryLoop loop = startedWithLag();
        kafka = Kafka.NO_CONNECTION;
        runFor(loop, 70 * SECOND);
        assertThat(errors()).isEmpty();
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
        assertThat(lookups).as("none asked while no broker is connected: the loop is not held").isZero();

        loop.stop();
        consumer.rebalance(List.of()); // the consumer's close revokes what it holds
        assertThat(committedAtRevocation).contains(P0);
        assertThat(commitWaits).containsOnly(DeliveryLoop.COMMIT_WAIT);
        assertThat(warnings()).noneMatch(w -> w.startsWith("lost up to"));
        assertThat(counter("dwb_forwarder_deleted_before_delivery")).isZero();
        assertThat(errors()).isEmpty();
    }

    /**
     * A connection counted but nothing answered (a broker hung, packets dropped): before fetches have gone unanswered
     * for 10 s it looks reachable, and one look-up asks; unanswered, the topic's presence stays unknown, and it is not
     * asked again while nothing changes. Kafka back, and a broker answering that the topic does not exist (deleted
     * meanwhile): that deletion is said at once, and its loss at the revocation.
     */
    @Test
    void aLookUpNotAnsweredIsNoDeletionAndAnAnsweredOneAfterTheOutageIs() {
        DeliveryLoop loop = startedWithLag();
        kafka = Kafka.NOT_ANSWERING;
        runFor(loop, 70 * SECOND);
        assertThat(errors()).isEmpty();
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
        assertThat(lookups).as("one, not one a second").isEqualTo(1);

        consumer.updatePartitions(TOPIC, List.of()); // deleted during the outage
        kafka = Kafka.UP;
        runFor(loop, SECOND);
        assertThat(errors()).singleElement().asString().startsWith("topic events is gone from Kafka (deleted)");
        assertThat(gauge("dwb_forwarder_topic_missing")).isOne();
        consumer.rebalance(List.of());
        assertThat(committedAtRevocation).isEmpty();
        assertThat(warnings()).contains("lost up to 3 records of events-0 (offsets 3 to 5): deleted with the topic "
                + "before they were delivered (those this forwarder knew of: fetched, or counted in its lag)");
    }

    /**
     * Made again (one partition, as a listener's producer makes it): the group assigns its partition and its first
     * event is delivered in the round that follows, before the next second's look at the metadata. The WARN came
     * only then, after the event ("partitions assigned" the only line by then): it is said at the assignment.
     */
    @Test
    void aTopicMadeAgainIsSaidAtItsAssignmentBeforeItsFirstEventIsDelivered() {
        DeliveryLoop loop = deletedWithRecordsWaiting();
        runFor(loop, 5 * SECOND);

        consumer.updatePartitions(TOPIC, partitions(1));
        consumer.updateEndOffsets(Map.of(P0, 2L));
        consumer.rebalance(List.of(P0));
        assertThat(warnings()).anySatisfy(w -> assertThat(w).startsWith("topic events is back with 1 partition(s), 2 "
                + "before"));
        consumer.addRecord(event(P0, 1, "new"));
        now += SECOND / 10; // within the second: no look at the metadata this round
        assertThat(loop.runOnce()).isFalse();
        assertThat(names()).containsExactly("a", "new");
        assertThat(gauge("dwb_forwarder_topic_missing")).isZero();
    }

    /** Partitions 0 and 1 of two; in 0, "a", "b", "c" delivered and three more written past them (its lag). */
    private DeliveryLoop startedWithLag() {
        DeliveryLoop loop = started(2, P0, P1);
        consumer.addRecord(event(P0, 0, "a"));
        consumer.addRecord(event(P0, 1, "b"));
        consumer.addRecord(event(P0, 2, "c"));
        consumer.updateEndOffsets(Map.of(P0, 6L, P1, 0L));
        kafka = Kafka.UP;
        runFor(loop, 2 * SECOND);
        assertThat(names()).containsExactly("a", "b", "c");
        return loop;
    }

    private static MetricName metricName(String name, String group) {
        return new MetricName(name, group, "", Map.of());
    }

    private static Metric metric(String name, String group, double value) {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return EventsTopicGoneTest.metricName(name, group);
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    /** A live loop over a topic of {@code count} partitions, {@code assigned} to it, placed at their start. */
    private DeliveryLoop started(int count, TopicPartition... assigned) {
        DeliveryLoop loop = loop();
        loop.start();
        consumer.updatePartitions(TOPIC, partitions(count));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L, P2, 0L, P3, 0L));
        consumer.rebalance(List.of(assigned));
        return loop;
    }

    private DeliveryLoop loop() {
        AlertSink sink = new AlertSink() {
            @Override
            public void send(byte[] datagram) throws SinkUnavailableException {
                String text = new String(datagram, StandardCharsets.UTF_8);
                if (refuse.test(text)) {
                    throw new SinkUnavailableException(SendFailure.MISSING, "socket missing: test");
                }
                received.add(text);
            }

            @Override
            public void close() {
            }
        };
        AlertPipeline.Mode mode = new AlertPipeline.Mode.Live(new DeadLetterQueue(TOPIC + "-dlq", new Properties(),
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), () -> NOW_MS),
                new SilentHostWatch());
        AlertPipeline pipeline = new AlertPipeline(new RecordClassifier(TestRecords.SCHEMAS),
                new LegacyFields(LegacyFieldsMode.AUTO), LabelFilter.ALL, FieldBudget.DEFAULT, new AlertFormatter(),
                new DuplicateWindow(1000), new DirectOutbox(new DatagramWriter(sink, mode, metrics, () -> NOW_MS)),
                new Pacer(0, () -> now), mode, metrics, false, () -> now);
        return new DeliveryLoop(consumer, pipeline, metrics,
                new Feed.Live(TOPIC, new LiveStart(Duration.ZERO, () -> NOW_MS, OffsetReset.EARLIEST,
                        new WatchHandover(Duration.ZERO, () -> NOW_MS)),
                        TestRecords.NO_OPEN_TRANSACTIONS, TestRecords.neverRefused()),
                Duration.ofSeconds(1), 1000, new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES),
                Duration.ofSeconds(1), UNHEALTHY_AFTER, Forwarder.METADATA_MAX_AGE, TestRecords.unreadableSearch(),
                KafkaClientThreads.none(),
                () -> now, (stopped, nanos) -> {
                    now += nanos;
                    return false;
                });
    }

    /** The loop running for {@code nanos}, a round a second. */
    private void runFor(DeliveryLoop loop, long nanos) {
        for (long left = nanos; left > 0; left -= SECOND) {
            now += Math.min(left, SECOND);
            assertThat(loop.runOnce()).as("live delivery never ends by itself").isFalse();
        }
    }

    private static List<PartitionInfo> partitions(int count) {
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            infos.add(new PartitionInfo(TOPIC, p, Node.noNode(), new Node[0], new Node[0]));
        }
        return infos;
    }

    private static ConsumerRecord<byte[], byte[]> event(TopicPartition tp, long offset, String name) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32),
                TestRecords.containerEvent(name, (NOW_MS - 1_000L) * 1_000_000L + name.hashCode()));
        return new ConsumerRecord<>(TOPIC, tp.partition(), offset, NOW_MS - 1_000L, TimestampType.CREATE_TIME,
                produced.key().length, produced.value().length, produced.key(), produced.value(),
                new RecordHeaders(produced.headers().toArray()), Optional.empty());
    }

    /** The container names of the engine events Wazuh took, in order. */
    private List<String> names() {
        return received.stream().map(d -> TestRecords.alert(d.getBytes(StandardCharsets.UTF_8)))
                .filter(a -> a.has("docker"))
                .map(a -> a.path("docker").path("Actor").path("Attributes").path("name").asText()).toList();
    }

    private List<String> errors() {
        return logged.messages(Level.ERROR);
    }

    private List<String> warnings() {
        return logged.messages(Level.WARN).stream().filter(l -> !l.startsWith("paused:")).toList();
    }

    private List<String> infos() {
        return logged.messages(Level.INFO);
    }

    private double gauge(String name) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((GaugeSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    private double counter(String name) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .map(s -> ((CounterSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }
}
