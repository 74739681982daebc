package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records Kafka deleted before the forwarder delivered them (the topic's retention passed while Wazuh was down or
 * the forwarder stopped; here the admin API deletes them, as retention does: the partition's first offset moves):
 * lost, and said so, in the log and in one deleted-before-delivery alert, then delivery goes on from the first record
 * kept. Before, the consumer's own reset moved past them without a word.
 */
@ExtendWith(SharedKafka.class)
class DeletedBeforeDeliveryTest {
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;

    @TempDir
    Path dir;

    @Test
    void recordsDeletedBeforeDeliveryAreReportedAndTheRestDelivered(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "deleted", 1);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, events(topic, "delivered", 3));
            try (ForwarderRun first = ForwarderRun.start(broker.bootstrapServers(), topic,
                    receiver.path().toString())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 3);
            } // committed at offset 3
            TestRecords.sendAll(producer, events(topic, "later", 10)); // offsets 3 to 12
            try (Admin admin = broker.admin()) {
                admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(8))).all()
                        .get();
            }
            try (ForwarderRun second = ForwarderRun.start(broker.bootstrapServers(), topic,
                    receiver.path().toString())) {
                // The deleted-before-delivery alert and the 5 records kept: waiting for 8 (one short) raced the last
                // datagram against the quiet second below (a CI run).
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 3 + 1 + 5);
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(1));
                second.assertAlive();
            }
            List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
            ObjectNode deleted = (ObjectNode) alerts.get(3).get("docker_bridge");
            assertThat(deleted).as("before: nothing said").isNotNull();
            assertThat(deleted.get("event").asText()).isEqualTo("deleted-before-delivery");
            assertThat(deleted.get("fromOffset").asLong()).isEqualTo(3);
            assertThat(deleted.get("toOffset").asLong()).isEqualTo(8);
            assertThat(deleted.get("records").asLong()).isEqualTo(5);
            assertThat(alerts.subList(4, alerts.size())).extracting(a -> a.path("docker").path("Actor")
                    .path("Attributes").path("name").asText())
                    .containsExactly("later-5", "later-6", "later-7", "later-8", "later-9");
        }
    }

    @Test
    void recordsDeletedWhileWazuhWasDownAreReportedWhenItIsBack(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "deleted-down", 1);
        Path queue = dir.resolve("queue-down");
        List<ProducerRecord<byte[], byte[]>> large = new ArrayList<>();
        for (int i = 0; i < 60; i++) { // offsets 0 to 59, 100 KB each: more than the forwarder holds
            ObjectNode event = TestRecords.containerEvent("e-" + i, T0 + i * 1_000L);
            ((ObjectNode) event.path("Actor").path("Attributes")).put("pad", "x".repeat(100_000));
            large.add(TestRecords.event(topic, "h", "h-id", event));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, large);
        }
        // Wazuh down (no socket), and the forwarder holding as few bytes as it may: the rest waits in the topic.
        try (ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, queue.toString(),
                "--max-pending-bytes", String.valueOf(DeliveryOptions.MIN_MAX_PENDING_BYTES))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> run.metrics().socketErrorsTotal() >= 1);
            try (Admin admin = broker.admin()) {
                admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(50))).all()
                        .get();
            }
            try (DatagramReceiver receiver = DatagramReceiver.bind(queue)) { // Wazuh back
                await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.alerts(receiver.datagrams()).stream()
                        .anyMatch(a -> a.path("docker").path("Actor").path("Attributes").path("name").asText()
                                .equals("e-59")));
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(1));
                run.assertAlive();
                List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
                List<ObjectNode> deleted = alerts.stream().filter(a -> a.has("docker_bridge")).toList();
                assertThat(deleted).as("before: nothing said").hasSize(1);
                ObjectNode report = (ObjectNode) deleted.get(0).get("docker_bridge");
                assertThat(report.get("event").asText()).isEqualTo("deleted-before-delivery");
                assertThat(report.get("toOffset").asLong()).isEqualTo(50);
                // What was held when the records were deleted is delivered, the loss is said, then the rest.
                long held = report.get("fromOffset").asLong();
                assertThat(held).isBetween(1L, 49L);
                assertThat(report.get("records").asLong()).isEqualTo(50 - held);
                List<String> delivered = alerts.stream().filter(a -> a.has("docker"))
                        .map(a -> a.path("docker").path("Actor").path("Attributes").path("name").asText()).toList();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    if (i < held || i >= 50) {
                        expected.add("e-" + i);
                    }
                }
                assertThat(delivered).containsExactlyElementsOf(expected);
            }
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> events(String topic, String prefix, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(TestRecords.event(topic, "h", "h-id",
                    TestRecords.containerEvent(prefix + "-" + i, T0 + records.size() + i * 1_000L)));
        }
        return records;
    }
}
