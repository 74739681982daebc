package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12 item 4: an engine whose clock is far from the broker's. Kafka refuses a record timestamp more than
 * {@code message.timestamp.after.max.ms} ahead (or {@code before.max.ms} behind) of its clock; the listener then
 * timestamps such records with their publish time (docs/contract.md), and every event reaches the topic once, its
 * own time unchanged in its value.
 */
@ExtendWith(SharedKafka.class)
class EngineClockSkewTest {
    private static final int VOLUMES = 10;

    @Test
    void eventsTwoHoursAheadAreTimestampedWithTheirPublishTime(SharedKafka.Broker broker) throws Exception {
        // The topic as the listener creates it: the broker's defaults, after.max.ms = 1 h in Kafka 4.
        assertReachTheTopicWithPublishTimes(broker, Duration.ofHours(2), Map.of());
    }

    @Test
    void eventsADayBehindATopicsBoundAreTimestampedWithTheirPublishTime(SharedKafka.Broker broker) throws Exception {
        assertReachTheTopicWithPublishTimes(broker, Duration.ofDays(-1),
                Map.of("message.timestamp.before.max.ms", "3600000"));
    }

    @Test
    void eventsOlderThanTheTopicsRetentionAreTimestampedWithTheirPublishTime(SharedKafka.Broker broker)
            throws Exception {
        // Stamped with their own time, the broker would delete them at its next retention check, unread.
        assertReachTheTopicWithPublishTimes(broker, Duration.ofDays(-2),
                Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis())));
    }

    /**
     * The topic made as the listener makes it (Kafka's unbounded {@code message.timestamp.before.max.ms}, read so at
     * its start); an operator lowers the bound to an hour while it runs, and the engine then replays events two hours
     * old. Stamped with their own times by the settings of the start, they are refused; the listener reads the
     * settings again before its next attempt, and each event is committed once, stamped with its publish time; the
     * WARN names the setting's change, not this host's clock. Before, every retry was refused the same way, "fix the
     * clock (NTP)", until a restart.
     */
    @Test
    void eventsOlderThanABeforeMaxMsLoweredWhileTheListenerRunsAreTimestampedWithTheirPublishTime(
            SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("lowered");
        try (SkewedClockEngine engine = new SkewedClockEngine(prefix, VOLUMES, Duration.ofHours(-2).toNanos(), true);
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            await().atMost(Duration.ofSeconds(90)).until(() -> process.output().contains(
                    "subscribed to GET /events"));
            try (Admin admin = broker.admin()) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, listener.topic);
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                        new ConfigEntry("message.timestamp.before.max.ms", "3600000"), AlterConfigOp.OpType.SET))))
                        .all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> "3600000".equals(admin.describeConfigs(
                        List.of(topic)).all().get().get(topic).get("message.timestamp.before.max.ms").value()));
            }
            long before = System.currentTimeMillis();
            engine.release(); // replayed now: two hours old

            List<TopicView.Published> events = awaitEventsOnce(broker, listener, prefix, process);

            long after = System.currentTimeMillis();
            assertThat(events).extracting(TopicView.Published::timestamp)
                    .as("publish times, within the new hour").allMatch(t -> t >= before && t <= after);
            assertThat(events).extracting(e -> e.value().path("timeNano").asLong())
                    .as("the event keeps its own time").containsExactlyElementsOf(engine.timeNanos());
            // The arrow between old and new is left out: a JVM without a UTF-8 locale prints it as '?'.
            assertThat(process.output()).contains("the broker refused a record timestamp")
                    .contains("the events topic's settings changed since the listener read them: "
                            + "message.timestamp.before.max.ms 9223372036854775807 ")
                    .contains(" 3600000; the next transaction's records follow the new ones")
                    .doesNotContain("fix the clock");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void eventsADayBehindOnAnUnboundedTopicKeepTheirEventTime(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("behind");
        try (SkewedClockEngine engine = new SkewedClockEngine(prefix, VOLUMES, Duration.ofDays(-1).toNanos());
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            List<TopicView.Published> events = awaitEventsOnce(broker, listener, prefix, process);
            assertThat(events).extracting(TopicView.Published::timestamp)
                    .containsExactlyElementsOf(engine.timeNanos().stream().map(t -> t / 1_000_000L).toList());
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void aHostClockOutsideTheTopicsBoundsIsNamedAndNothingIsLostOnceItFits(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        // 1 ms behind at most: even the publish time is older than that when the broker appends it, as with a host
        // clock running behind the broker's.
        broker.createTopic(listener.topic, 12, Map.of("message.timestamp.before.max.ms", "1"));
        String prefix = TestEngine.uniqueName("hostclock");
        try (SkewedClockEngine engine = new SkewedClockEngine(prefix, VOLUMES, 0);
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            await().atMost(Duration.ofSeconds(90)).until(() -> process.output().contains(
                    "the broker refused a record timestamp"));
            assertThat(process.output()).contains("this host's clock is further from the broker's");
            assertThat(TopicView.read(broker, listener.topic).events()).as("nothing committed").isEmpty();
            try (Admin admin = broker.admin()) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, listener.topic);
                admin.incrementalAlterConfigs(Map.of(topic, List.of(new AlterConfigOp(
                        new ConfigEntry("message.timestamp.before.max.ms", null), AlterConfigOp.OpType.DELETE))))
                        .all().get();
            }
            // The clock "fixed": what was refused is replayed from the engine, once.
            awaitEventsOnce(broker, listener, prefix, process);
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void anEngineClockBefore2000KeepsTheHeartbeatsAndTheGapWithinTheContract(SharedKafka.Broker broker)
            throws Exception {
        // A host that booted without a clock (no RTC, before NTP): its engine dates events in 1970. The forwarder
        // dead-letters a heartbeat or a gap carrying such a time (the contract's times lie in 2000-2100): the host
        // would look silent while it heartbeats, and the gap would never reach Wazuh.
        ListenerProcess listener = new ListenerProcess(broker);
        long unset = ContractJson.epochNanos(Instant.parse("1970-01-01T01:00:00Z"))
                - ContractJson.epochNanos(Instant.now());
        String first = TestEngine.uniqueName("unset");
        String firstOutput;
        try (SkewedClockEngine engine = new SkewedClockEngine(first, VOLUMES, unset);
             JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval", "1s")) {
            awaitEventsOnce(broker, listener, first, process);
            await().atMost(Duration.ofSeconds(30)).until(() -> heartbeatsAfter(broker, listener, first) >= 2);
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            firstOutput = process.output();
        }
        // Another engine as unset (its buffer gone, as after the host's next boot): the checkpointed event is not
        // replayed, and the gap starts at it.
        String second = TestEngine.uniqueName("unset");
        try (SkewedClockEngine engine = new SkewedClockEngine(second, VOLUMES, unset + Duration.ofMinutes(1).toNanos());
             JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval", "1s")) {
            awaitEventsOnce(broker, listener, second, process);
            await().atMost(Duration.ofSeconds(30)).until(() -> heartbeatsAfter(broker, listener, second) >= 1);
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
        TopicView topic = TopicView.read(broker, listener.topic);
        assertThat(topic.ofKind("gap")).hasSize(1);
        ContractSchemas schemas = new ContractSchemas();
        for (String kind : List.of("heartbeat", "gap", "state")) {
            RecordKind recordKind = RecordKind.fromHeader(kind).orElseThrow();
            assertThat(topic.ofKind(kind)).allSatisfy(r -> assertThat(schemas.validate(recordKind, r.value()))
                    .as(kind + " " + r.value()).isEmpty());
        }
        assertThat(firstOutput).contains("the engine dates its events outside 2000-2100");
    }

    /** Heartbeats on the topic after the last event named {@code prefix}. */
    private static long heartbeatsAfter(SharedKafka.Broker broker, ListenerProcess listener, String prefix) {
        List<TopicView.Published> records = TopicView.read(broker, listener.topic).records();
        long last = records.stream().filter(r -> "event".equals(r.kind()) && TopicView.named(prefix).test(r.value()))
                .mapToLong(TopicView.Published::offset).max().orElse(Long.MAX_VALUE);
        return records.stream().filter(r -> "heartbeat".equals(r.kind()) && r.offset() > last).count();
    }

    private static void assertReachTheTopicWithPublishTimes(SharedKafka.Broker broker, Duration skew,
                                                            Map<String, String> topicConfig) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        if (!topicConfig.isEmpty()) {
            broker.createTopic(listener.topic, 12, topicConfig);
        }
        String prefix = TestEngine.uniqueName("skew");
        long before = System.currentTimeMillis();
        try (SkewedClockEngine engine = new SkewedClockEngine(prefix, VOLUMES, skew.toNanos());
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            List<TopicView.Published> events = awaitEventsOnce(broker, listener, prefix, process);
            long after = System.currentTimeMillis();
            assertThat(events).extracting(TopicView.Published::timestamp)
                    .as("publish times, not the engine's").allMatch(t -> t >= before && t <= after);
            assertThat(events).extracting(e -> e.value().path("timeNano").asLong())
                    .as("the event keeps its own time").containsExactlyElementsOf(engine.timeNanos());
            assertThat(process.output()).doesNotContain("Kafka unavailable");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /** Every scripted event on the topic once, in engine order. */
    private static List<TopicView.Published> awaitEventsOnce(SharedKafka.Broker broker, ListenerProcess listener,
                                                             String prefix, JavaProcess process) {
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            assertThat(process.isAlive()).as("listener alive; output:\n" + process.output()).isTrue();
            assertThat(TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)))
                    .hasSizeGreaterThanOrEqualTo(2 * VOLUMES);
        });
        List<TopicView.Published> events = TopicView.read(broker, listener.topic).events().stream()
                .filter(e -> TopicView.named(prefix).test(e.value())).toList();
        assertThat(events).hasSize(2 * VOLUMES);
        Map<String, Long> perAction = events.stream().collect(Collectors.groupingBy(
                e -> e.value().path("Actor").path("ID").asText() + " " + e.value().path("Action").asText(),
                Collectors.counting()));
        assertThat(perAction).hasSize(2 * VOLUMES).allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
        return events;
    }
}
