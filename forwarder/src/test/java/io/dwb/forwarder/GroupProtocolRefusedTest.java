package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code group.protocol=consumer} (KIP-848) in {@code --kafka-config} on brokers that do not offer it: a configuration
 * error (exit 2, which systemd does not restart) whose line says what to change, and nothing read or committed, so a
 * forwarder of the classic protocol delivers every record. Before, Kafka's UnsupportedVersionException ended it with
 * exit 1, and its supervisor restarted it into the same failure for ever.
 */
class GroupProtocolRefusedTest {
    private static final long BASE = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void theConsumerProtocolOnBrokersWithoutItExits2SayingWhatToDoAndLeavesEveryRecordToTheClassicOne()
            throws Exception {
        // Kafka 4's setting for the protocols its group coordinator offers: the classic one only.
        try (SharedKafka.Broker broker = SharedKafka.startBroker(Map.of(
                "KAFKA_GROUP_COORDINATOR_REBALANCE_PROTOCOLS", "classic"));
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            String topic = TestRecords.topic(broker, "group-protocol", 1);
            TestRecords.sendAll(producer, events(topic, 3));
            Path kafkaConfig = Files.writeString(dir.resolve("kafka.properties"), "group.protocol=consumer\n");
            List<String> options = List.of("--kafka-config", kafkaConfig.toString(), "--max-live-age", "0");

            try (JavaProcess refused = TestRecords.launched(broker, topic, receiver, options)) {
                assertThat(refused.waitFor(Duration.ofSeconds(90))).as(refused.output()).isEqualTo(2);
                assertThat(refused.output()).contains("error: the brokers do not offer group.protocol=consumer "
                        + "(KIP-848: Kafka 4.0 or later, with consumer in group.coordinator.rebalance.protocols): "
                        + "remove group.protocol from " + kafkaConfig + ", or enable the protocol on the brokers");
            }
            assertThat(receiver.count()).isZero();
            assertThat(TestRecords.committed(broker, "g-" + topic)).isEmpty();

            Files.writeString(kafkaConfig, ""); // what the line says: group.protocol removed
            try (JavaProcess fixed = TestRecords.launched(broker, topic, receiver, options)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    assertThat(fixed.isAlive()).as(fixed.output()).isTrue();
                    return receiver.count() == 3;
                });
                assertThat(TestRecords.containerNames(receiver)).containsExactly("r0", "r1", "r2");
                assertThat(fixed.terminate(Duration.ofSeconds(60))).as(fixed.output()).isZero();
            }
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> events(String topic, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("r" + i, BASE + i)));
        }
        return records;
    }
}
