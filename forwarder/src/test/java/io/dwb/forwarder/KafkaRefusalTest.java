package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.schemas.testing.LogLines;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka refusing a running forwarder's polls (an ACL removed): Kafka's consumer throws
 * it from each poll. The forwarder exited 1, and so did its restarts and each member the partitions moved to. Now the
 * loop stays, polls again every {@link DeliveryLoop#REFUSED_WAIT} (the fake clock's), says each kind once, is unhealthy
 * after the bound, and delivers once a poll goes through.
 */
class KafkaRefusalTest {
    private static final String TOPIC = "events";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final long NOW_MS = 1_764_000_000_000L;
    private static final Duration UNHEALTHY_AFTER = Duration.ofSeconds(60);

    private long now = 1_000_000_000_000L;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    @RegisterExtension
    final LogLines logged = LogLines.of(StateChanges.class);
    /**
     * With {@link #counted}, the counts a real consumer has, which a MockConsumer has not: a connection, and fetches
     * answered, which do not move while it fetches nothing (no partition assigned).
     */
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized Map<MetricName, ? extends Metric> metrics() {
            if (!counted) {
                return super.metrics();
            }
            Map<MetricName, Metric> counts = new HashMap<>(Map.of(
                    metricName("connection-count", "consumer-metrics"), constant(1),
                    metricName("fetch-total", "consumer-fetch-manager-metrics"), constant(fetches)));
            if (responses != null) {
                counts.put(metricName("response-total", "consumer-metrics"), constant(responses));
            }
            return counts;
        }

        /** Kafka's lookup of a partition's first offset, which takes {@link #lookupTakes} on the fake clock. */
        @Override
        public synchronized Map<TopicPartition, Long> beginningOffsets(java.util.Collection<TopicPartition> asked) {
            now += lookupTakes;
            if (lookupTakes > 0) {
                healthyDuringLookups.add(loop.healthy());
            }
            return super.beginningOffsets(asked);
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            now += pollTakes;
            if (pollTakes > 0) {
                healthyDuringPolls.add(loop.healthy());
            }
            ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
            fetches += assignment().isEmpty() ? 0 : 1;
            return records;
        }
    };
    private boolean counted;
    /** With {@link #counted}, the consumer's count of answers of any kind (null: none counted, as before). */
    private Double responses;
    /** The consumer's {@code metadata.max.age.ms}, the forwarder's default unless a test sets it. */
    private Duration metadataMaxAge = Forwarder.METADATA_MAX_AGE;
    /** What each poll of the consumer takes on the fake clock, rebalance callbacks included. */
    private long pollTakes;
    private double fetches;
    private final List<Boolean> healthyDuringPolls = new ArrayList<>();
    /** What a lookup of first offsets takes on the fake clock, and whether /healthz said healthy during each. */
    private long lookupTakes;
    private final List<Boolean> healthyDuringLookups = new ArrayList<>();
    private DeliveryLoop loop;
    private final List<Long> waits = new ArrayList<>();

    @Test
    void aRevokedAclIsWaitedForSaidOnceAndDeliveryGoesOnOnceItIsGrantedAgain() {
        loop = loop();
        loop.start();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.rebalance(List.of(P0));
        consumer.addRecord(event(0, "before"));
        assertThat(loop.runOnce()).isFalse();
        assertThat(received).hasSize(1);
        assertThat(gauge()).isZero();

        // Read on the topic removed for two minutes, then Read on the group: each poll throws.
        long revoked = now;
        while (now - revoked < Duration.ofMinutes(2).toNanos()) {
            consumer.setPollException(new TopicAuthorizationException("Not authorized to access topics: [events]"));
            assertThat(loop.runOnce()).as("no exit").isFalse();
        }
        assertThat(waits).as("a poll every 5 s, not a tight loop").hasSize(24)
                .allMatch(w -> w == DeliveryLoop.REFUSED_WAIT.toNanos());
        assertThat(gauge()).isOne();
        assertThat(loop.healthy()).as("/healthz 503 after the bound").isFalse();
        consumer.setPollException(new GroupAuthorizationException("Not authorized to access group: wazuh-forwarder"));
        assertThat(loop.runOnce()).isFalse();
        assertThat(errors()).as("one line a kind, with the fix").containsExactly(
                "Kafka refuses the forwarder, not allowed to read the topic (Not authorized to access topics: "
                        + "[events]): grant the forwarder's principal READ and DESCRIBE on the topic; polling again "
                        + "every 5 s, delivery waits",
                "Kafka refuses the forwarder, not allowed to use the consumer group (Not authorized to access group: "
                        + "wazuh-forwarder): grant the forwarder's principal READ and DESCRIBE on the group; polling "
                        + "again every 5 s, delivery waits");

        consumer.addRecord(event(1, "after"));
        for (int i = 0; i < 3; i++) {
            assertThat(loop.runOnce()).isFalse();
        }
        assertThat(received).as("delivered once a poll goes through").hasSize(2);
        assertThat(received.get(1)).contains("after");
        assertThat(gauge()).isZero();
        assertThat(loop.healthy()).isTrue();
        assertThat(logged.messages(Level.INFO)).contains("Kafka accepts the forwarder's polls again");
    }

    /**
     * A member given no partition (more forwarders than partitions) fetches nothing, so its count of fetches
     * answered never moves: it stayed refused, the gauge 1 and /healthz 503, for good once the ACL was given back.
     * Polls that go through for the consumer's metadata refresh and 10 s more ({@link DeliveryLoop#acceptedAfter}:
     * 40 s by default) now end it, and no sooner: a refusal comes back only with the next refresh. With a refresh
     * set longer, 40 s said an ACL still missing was granted.
     */
    @ParameterizedTest
    @ValueSource(longs = {30, 300})
    void aMemberWithNoPartitionIsAcceptedAgainOnceItsPollsGoThroughLongEnough(long metadataSeconds) {
        counted = true;
        metadataMaxAge = Duration.ofSeconds(metadataSeconds);
        loop = loop();
        loop.start();
        consumer.setPollException(new GroupAuthorizationException("Not authorized to access group: forwarders"));
        assertThat(loop.runOnce()).isFalse();
        assertThat(gauge()).isOne();
        long granted = now;
        // Not accepted before the next refresh and 10 s more: 40 s by default, the bound docs/forwarder.md gives
        // (10 s, before, said an ACL still missing was granted).
        Duration accepted = Duration.ofSeconds(metadataSeconds + 10);
        while (now - granted < accepted.toNanos() - Duration.ofMillis(200).toNanos()) {
            assertThat(loop.runOnce()).isFalse();
            now += Duration.ofMillis(200).toNanos();
        }
        assertThat(gauge()).as("not before its polls went through for %s", accepted).isOne();
        for (int i = 0; i < 3; i++) {
            assertThat(loop.runOnce()).isFalse();
            now += Duration.ofMillis(200).toNanos();
        }
        assertThat(gauge()).isZero();
        assertThat(logged.messages(Level.INFO)).containsOnlyOnce("Kafka accepts the forwarder's polls again");
        now += UNHEALTHY_AFTER.toNanos();
        assertThat(loop.runOnce()).isFalse();
        assertThat(loop.healthy()).isTrue();
    }

    /**
     * A member that fetches nothing hears Kafka at each metadata refresh at the least: with the refresh set to 5
     * minutes (Kafka's default, in --kafka-config), one that heard nothing for 40 s was said unreachable, /healthz
     * 503, between every two refreshes. It is unreachable once a refresh and 10 s more went by unanswered.
     */
    @Test
    void aMemberThatFetchesNothingIsReachableBetweenTheRefreshesItWasGiven() {
        counted = true;
        responses = 0.0;
        metadataMaxAge = Duration.ofMinutes(5);
        loop = loop();
        loop.start();
        long answered = now;
        for (int refresh = 0; refresh < 3; refresh++) { // answered at each refresh, nothing between
            while (now - answered < metadataMaxAge.toNanos()) {
                assertThat(loop.runOnce()).isFalse();
                now += Duration.ofSeconds(1).toNanos();
            }
            responses++;
            answered = now;
        }
        assertThat(reachableGauge()).as("between refreshes").isZero();
        assertThat(loop.healthy()).isTrue();
        assertThat(logged.messages(Level.WARN)).isEmpty();

        // The refreshes go unanswered (a broker hung): unreachable after one and 10 s more, said once, and /healthz
        // 503 once that lasts --unhealthy-after.
        while (now - answered <= metadataMaxAge.plusSeconds(11).toNanos()) {
            assertThat(loop.runOnce()).isFalse();
            now += Duration.ofSeconds(1).toNanos();
        }
        assertThat(reachableGauge()).isOne();
        assertThat(logged.messages(Level.WARN)).containsExactly("Kafka unreachable: no broker connected, or none "
                + "answered for 310 s (this forwarder fetches nothing: no partition, or all paused); retrying");
        assertThat(loop.healthy()).as("not before --unhealthy-after").isTrue();
        while (now - answered <= metadataMaxAge.plusSeconds(11).plus(UNHEALTHY_AFTER).toNanos()) {
            assertThat(loop.runOnce()).isFalse();
            now += Duration.ofSeconds(1).toNanos();
        }
        assertThat(loop.healthy()).isFalse();
    }

    /**
     * A poll's rebalance callbacks wait on Kafka (a revocation's commit up to a minute while the group coordinator
     * moves): /healthz took a poll of over 30 s for a stuck loop, whatever --unhealthy-after, and a probe restarting
     * on it made another rebalance. A poll longer than the bound and a minute more is still taken for one.
     */
    @Test
    void aPollThatWaitsOnKafkaIsNoStuckLoopUntilTheBoundAndAMinuteMore() {
        loop = loop();
        loop.start();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.rebalance(List.of(P0));
        pollTakes = Duration.ofSeconds(45).toNanos();
        assertThat(loop.runOnce()).isFalse();
        assertThat(loop.healthy()).as("right after the poll").isTrue();
        pollTakes = UNHEALTHY_AFTER.plus(DeliveryLoop.POLL_MAY_WAIT).toNanos();
        assertThat(loop.runOnce()).isFalse();
        assertThat(healthyDuringPolls).containsExactly(true, false);
        pollTakes = 0;
        now += Duration.ofSeconds(31).toNanos();
        assertThat(loop.healthy()).as("no poll for 31 s").isFalse();
    }

    /**
     * A refresh set to centuries (metadata.max.age.ms=9223372036854775807: never) made the bound's nanoseconds
     * overflow at its first check, once a second while the consumer fetches nothing, and the loop died.
     */
    @Test
    void aMetadataRefreshOfCenturiesIsNoOverflow() {
        counted = true;
        responses = 0.0;
        metadataMaxAge = Duration.ofMillis(Long.MAX_VALUE);
        loop = loop();
        loop.start();
        for (int i = 0; i < 5; i++) {
            assertThat(loop.runOnce()).isFalse();
            now += Duration.ofSeconds(1).toNanos();
        }
        assertThat(reachableGauge()).isZero();
        assertThat(loop.healthy()).isTrue();
    }

    /**
     * What a failed poll leaves to a Kafka lookup (an offset out of range: the partition's first offset, up to a
     * minute while brokers are slow) is Kafka's answer waited for as a poll's is: /healthz took a lookup of over 30 s
     * for a stuck loop (a probe restarting on it made a rebalance), whatever --unhealthy-after.
     */
    @Test
    void aLookupAfterAFailedPollIsNoStuckLoopAsAPollIsNot() {
        loop = loop();
        loop.start();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.rebalance(List.of(P0));
        consumer.setPollException(new org.apache.kafka.clients.consumer.OffsetOutOfRangeException("gone",
                Map.of(P0, 5L)));
        lookupTakes = Duration.ofSeconds(45).toNanos();
        assertThat(loop.runOnce()).isFalse();
        assertThat(healthyDuringLookups).as("45 s into the lookup").containsExactly(true);
        lookupTakes = 0;
        assertThat(loop.healthy()).as("right after it").isTrue();
    }

    /**
     * Credentials refused are not waited for: the forwarder reads --kafka-config at start only, and its supervisor's
     * restart reads the rotated file.
     */
    @Test
    void refusedCredentialsEndTheLoopForARestartToReadTheFileAgain() {
        loop = loop();
        loop.start();
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.rebalance(List.of(P0));
        consumer.setPollException(new SaslAuthenticationException("Authentication failed: Invalid username or "
                + "password"));
        assertThatThrownBy(loop::runOnce).isInstanceOf(SaslAuthenticationException.class);
        assertThat(waits).isEmpty();
    }

    private List<String> errors() {
        return logged.messages(Level.ERROR);
    }

    private double reachableGauge() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_forwarder_kafka_unreachable"))
                .map(s -> ((GaugeSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    private double gauge() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_forwarder_kafka_refused"))
                .map(s -> ((GaugeSnapshot) s).getDataPoints().get(0).getValue()).findFirst().orElseThrow();
    }

    private DeliveryLoop loop() {
        AlertPipeline pipeline = TestRecords.livePipeline(TOPIC, received, metrics, NOW_MS, () -> now);
        return new DeliveryLoop(consumer, pipeline, metrics,
                new Feed.Live(TOPIC, new LiveStart(Duration.ZERO, () -> NOW_MS, OffsetReset.EARLIEST,
                        new WatchHandover(Duration.ofMinutes(2), () -> NOW_MS)),
                        TestRecords.NO_OPEN_TRANSACTIONS, TestRecords.neverRefused()),
                Duration.ofSeconds(1), 1000, new PollBudget(DeliveryOptions.DEFAULT_MAX_PENDING_BYTES),
                Duration.ofSeconds(10), UNHEALTHY_AFTER, metadataMaxAge, TestRecords.unreadableSearch(),
                KafkaClientThreads.none(),
                () -> now, (stopped, nanos) -> {
                    waits.add(nanos);
                    now += nanos;
                    return false;
                });
    }

    private static MetricName metricName(String name, String group) {
        return new MetricName(name, group, "", Map.of());
    }

    private static Metric constant(double value) {
        MetricName unused = metricName("", "");
        return new Metric() {
            @Override
            public MetricName metricName() {
                return unused;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        };
    }

    private static ConsumerRecord<byte[], byte[]> event(long offset, String name) {
        ProducerRecord<byte[], byte[]> produced = TestRecords.event(TOPIC, "host-a", "a".repeat(32),
                TestRecords.containerEvent(name, (NOW_MS - 1_000L) * 1_000_000L + offset));
        return new ConsumerRecord<>(TOPIC, 0, offset, NOW_MS - 1_000L, TimestampType.CREATE_TIME,
                produced.key().length, produced.value().length, produced.key(), produced.value(),
                new RecordHeaders(produced.headers().toArray()), Optional.empty());
    }
}
