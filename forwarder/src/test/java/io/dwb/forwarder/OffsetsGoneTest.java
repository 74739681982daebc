package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group without committed offsets (new, or its offsets expired) does not deliver history older than
 * --max-live-age as live alerts: it skips it, says so in its log and in one history-skipped alert per partition,
 * and delivers what is recent. Once it committed, a restart starts there; when the offsets are gone again, the same.
 */
@ExtendWith(SharedKafka.class)
class OffsetsGoneTest {
    private static final long S = 1_000_000_000L;
    private static final int OLD = 5;
    private static final int RECENT = 3;

    @TempDir
    Path dir;

    @Test
    void historyOlderThanTheMaximumLiveAgeIsSkippedAndReportedWhereTheGroupHasNoOffsets(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "offsets-gone", 1);
        String group = "g-" + topic;
        long now = System.currentTimeMillis() * 1_000_000L;
        long oldest = now - 3 * 3_600 * S; // three hours ago, at the default --max-live-age of 1h
        sendOldThenRecent(broker, topic, oldest, now);
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group",
                group, "--dlq-topic", topic + "-dlq", "--wazuh-queue", dir.resolve("queue").toString());

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 1 + RECENT);
                assertSkippedThenRecent(TestRecords.alerts(receiver.datagrams()), topic, oldest);
                assertThat(forwarder.output()).contains("skipped " + OLD + " records of " + topic + "-0 (offsets 0 to "
                        + (OLD - 1));
                await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, group)
                        == OLD + RECENT);
                assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            }

            // Committed: a restart starts at its offset, skipping and reporting nothing, delivering nothing again.
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> forwarder.output().contains("partitions assigned"));
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(20))
                        .until(() -> receiver.count() == 1 + RECENT);
                assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            }

            // The group's offsets gone (as after offsets.retention.minutes): old history skipped again.
            try (Admin admin = broker.admin()) {
                admin.deleteConsumerGroups(List.of(group)).all().get();
            }
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 2 * (1 + RECENT));
                assertSkippedThenRecent(TestRecords.alerts(receiver.datagrams()).subList(1 + RECENT, 2 * (1 + RECENT)),
                        topic, oldest);
                assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
    }

    /**
     * A new group that delivered nothing yet (Wazuh down since its first start) committed nothing, so when it
     * restarted more than --max-live-age later it was new still, and the records it had been holding for Wazuh were
     * passed over as old history. Where a partition starts is committed at once.
     */
    @Test
    void recordsHeldForWazuhAreDeliveredByARestartLaterThanTheMaximumLiveAge(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "held", 1);
        long sentMs = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < RECENT; i++) {
                records.add(TestRecords.event(topic, "h", "H", TestRecords.containerEvent("held-" + i,
                        sentMs * 1_000_000L + i)));
            }
            TestRecords.sendAll(producer, records);
        }
        String queue = dir.resolve("queue").toString();
        try (ForwarderRun wazuhDown = ForwarderRun.start(broker.bootstrapServers(), topic, queue, "--max-live-age",
                "10s")) {
            TestRecords.awaitPlaced(broker, topic);
            wazuhDown.assertAlive();
        }
        assertThat(TestRecords.committedTotal(broker, "g-" + topic)).as("where it starts: nothing delivered").isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> System.currentTimeMillis() > sentMs + 12_000);

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, queue, "--max-live-age",
                     "10s")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= RECENT);
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(2));
            assertThat(TestRecords.alerts(receiver.datagrams())).extracting(a -> a.path("docker").path("Actor")
                    .path("Attributes").path("name").asText()).as("delivered, not skipped as history")
                    .containsExactly("held-0", "held-1", "held-2");
        }
    }

    /**
     * A committed offset past the partition's end, as after its log lost records (a broker that had not flushed
     * them, the standalone's after a power loss) or an offset set by hand: the hand-over's look-back sought the
     * records of the last minutes and took every one below the old offset for delivered, so nothing reached Wazuh,
     * then or later, until the partition passed that offset again. It starts as a group without offsets does.
     */
    @Test
    void aCommittedOffsetPastThePartitionsEndSkipsHistoryOlderThanTheMaximumLiveAgeToo(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "past-the-end", 1);
        String group = "g-" + topic;
        long now = System.currentTimeMillis() * 1_000_000L;
        long oldest = now - 3 * 3_600 * S;
        sendOldThenRecent(broker, topic, oldest, now);
        try (Admin admin = broker.admin()) {
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(1_000)))
                    .all().get();
        }
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group",
                group, "--dlq-topic", topic + "-dlq", "--wazuh-queue", dir.resolve("queue").toString());

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 1 + RECENT);
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(2));
            assertSkippedThenRecent(TestRecords.alerts(receiver.datagrams()), topic, oldest);
            String said = "committed offset 1000 of " + topic + "-0 is past the partition's end (" + (OLD + RECENT)
                    + ")";
            await().atMost(Duration.ofSeconds(10)).until(() -> forwarder.output().contains(said)); // read apart
            await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, group)
                    == OLD + RECENT);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void zeroMaximumAgeDeliversAllHistoryAsANewGroupAlwaysDid(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "any-age", 1);
        long old = System.currentTimeMillis() * 1_000_000L - 30 * 24 * 3_600 * S;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "H",
                    TestRecords.containerEvent("a-month-ago", old))));
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--max-live-age", "0")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 1);
            assertThat(TestRecords.alert(receiver.datagrams().get(0)).get("docker").get("timeNano").asLong())
                    .isEqualTo(old);
            run.assertAlive();
        }
    }

    /** {@link #OLD} events from {@code oldestNano} on, a second apart, then {@link #RECENT} of the last minute. */
    private static void sendOldThenRecent(SharedKafka.Broker broker, String topic, long oldestNano, long nowNano)
            throws Exception {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < OLD; i++) {
            records.add(TestRecords.event(topic, "h", "H",
                    TestRecords.containerEvent("old-" + i, oldestNano + i * S)));
        }
        for (int i = 0; i < RECENT; i++) {
            records.add(TestRecords.event(topic, "h", "H",
                    TestRecords.containerEvent("recent-" + i, nowNano - 60 * S + i * S)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
    }

    private static void assertSkippedThenRecent(List<ObjectNode> alerts, String topic, long oldestNano) {
        assertThat(alerts).hasSize(1 + RECENT);
        JsonNode skipped = alerts.get(0).get("docker_bridge");
        assertThat(alerts.get(0).has("docker_host")).isFalse();
        assertThat(skipped.get("event").asText()).isEqualTo("history-skipped");
        assertThat(skipped.get("topic").asText()).isEqualTo(topic);
        assertThat(skipped.get("partition").asInt()).isZero();
        assertThat(skipped.get("fromOffset").asLong()).isZero();
        assertThat(skipped.get("toOffset").asLong()).isEqualTo(OLD);
        assertThat(skipped.get("records").asLong()).isEqualTo(OLD);
        assertThat(skipped.get("from").asText()).isEqualTo(ContractJson.rfc3339(oldestNano / 1_000_000 * 1_000_000));
        assertThat(alerts.subList(1, 1 + RECENT)).extracting(a -> a.get("docker").get("Actor").get("Attributes")
                .get("name").asText()).containsExactly("recent-0", "recent-1", "recent-2");
    }
}
