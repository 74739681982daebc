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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A forwarder killed with SIGKILL and started again, with its default options, delivers what was published while it
 * was down within seconds: its static membership gives it its partitions back at once, where a new dynamic member
 * waited for the dead one's session to expire ({@code session.timeout.ms}, 45 s by default). With
 * {@code group.protocol=consumer} (KIP-848) the broker keeps the dead member's instance id until its session ends
 * ({@code group.consumer.session.timeout.ms}, 45 s by default): the restarted forwarder waits for it, and delivers.
 */
@ExtendWith(SharedKafka.class)
class RestartAfterKillTest {
    /** Well below the session timeout, with room for a JVM start on a loaded machine. */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);
    /** With {@code group.protocol=consumer}: the default session (45 s), a {@link StaticRejoin#WAIT}, the same room. */
    private static final Duration CONSUMER_PROTOCOL_RECOVERY_BOUND = Duration.ofSeconds(45 + 5 + 20);
    private static final long BASE = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    private static List<ProducerRecord<byte[], byte[]>> events(String topic, int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String host = "host-" + (i % 2);
            records.add(TestRecords.event(topic, host, host + "-id", TestRecords.containerEvent("r" + i, BASE + i)));
        }
        return records;
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aForwarderRestartedAfterSigkillDeliversWhatItMissedWithinSeconds(String protocol, SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "restart", 2);
        Path queue = dir.resolve("queue");
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic",
                topic, "--group", "g-" + topic, "--wazuh-queue", queue.toString(), "--commit-interval", "200ms",
                "--max-live-age", "0")); // fixed 2025 event times
        boolean kip848 = protocol.equals("consumer");
        Duration bound = kip848 ? CONSUMER_PROTOCOL_RECOVERY_BOUND : RECOVERY_BOUND;
        if (kip848) {
            args.addAll(groupProtocolConsumer());
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(queue);
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            try (JavaProcess first = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                TestRecords.sendAll(producer, events(topic, 0, 20));
                await().atMost(Duration.ofSeconds(90)).until(() -> unique(receiver) == 20);
                first.kill();
            }
            TestRecords.sendAll(producer, events(topic, 20, 20)); // while no forwarder runs

            long restart = System.nanoTime();
            try (JavaProcess second = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(bound).until(() -> unique(receiver) == 40);
                long seconds = Duration.ofNanos(System.nanoTime() - restart).toSeconds();
                assertThat(second.output()).contains("partitions assigned");
                assertThat(seconds).as("seconds from the restart to the last missed event").isLessThan(
                        bound.toSeconds());
                if (kip848) { // the dead member's id was still held: said once, waited out, no exit
                    assertThat(second.output()).containsOnlyOnce("refuses instance id")
                            .contains("joined group g-" + topic);
                }
                assertThat(second.terminate(Duration.ofSeconds(60))).as(second.output()).isZero();
            }
        }
    }

    @Test
    void aSecondForwarderWithTheSameInstanceIdFencesTheFirstWhichExits1AndNothingIsLost(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "same-id", 2);
        Path queue = dir.resolve("queue");
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                "--group", "g-" + topic, "--wazuh-queue", queue.toString(), "--instance-id", "same",
                "--max-live-age", "0");
        try (DatagramReceiver receiver = DatagramReceiver.bind(queue);
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess first = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
            TestRecords.sendAll(producer, events(topic, 0, 10));
            await().atMost(Duration.ofSeconds(90)).until(() -> unique(receiver) == 10);
            try (JavaProcess second = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                assertThat(first.waitFor(Duration.ofSeconds(90))).as(first.output()).isEqualTo(1);
                assertThat(first.output()).contains("error: fenced: another forwarder joined group g-" + topic
                        + " with the same instance id same; give each forwarder its own --instance-id");
                TestRecords.sendAll(producer, events(topic, 10, 10));
                await().atMost(Duration.ofSeconds(90)).until(() -> unique(receiver) == 20);
                assertThat(second.isAlive()).isTrue();
                assertThat(second.terminate(Duration.ofSeconds(60))).as(second.output()).isZero();
            }
        }
    }

    /**
     * With {@code group.protocol=consumer} the broker refuses the second forwarder's member while the first one's
     * holds the id: the first delivers on, the second waits {@link StaticRejoin#BOUND}, then exits 1 saying why.
     * Tagged long: it waits the real 2-minute bound, which {@code StaticRejoinTest} covers with a fake clock (-Plong).
     */
    @Test
    @Tag("long")
    void underTheConsumerProtocolASecondForwarderWithTheSameInstanceIdExits1AndTheFirstDeliversOn(
            SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "same-id-848", 2);
        Path queue = dir.resolve("queue");
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic",
                topic, "--group", "g-" + topic, "--wazuh-queue", queue.toString(), "--instance-id", "same",
                "--max-live-age", "0"));
        args.addAll(groupProtocolConsumer());
        try (DatagramReceiver receiver = DatagramReceiver.bind(queue);
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess first = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
            TestRecords.sendAll(producer, events(topic, 0, 10));
            await().atMost(Duration.ofSeconds(90)).until(() -> unique(receiver) == 10);
            try (JavaProcess second = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> second.output().contains("refuses instance id"));
                TestRecords.sendAll(producer, events(topic, 10, 10));
                await().atMost(Duration.ofSeconds(60)).until(() -> unique(receiver) == 20);

                assertThat(second.waitFor(StaticRejoin.BOUND.plusSeconds(60))).as(second.output()).isEqualTo(1);
                assertThat(second.output()).contains("error: refused: group g-" + topic + " still gives instance id "
                        + "same to another member after 120 s: another forwarder runs with the same instance id (or "
                        + "the group's session timeout is longer); give each forwarder its own --instance-id");
                assertThat(first.isAlive()).as(first.output()).isTrue();
                assertThat(first.terminate(Duration.ofSeconds(60))).as(first.output()).isZero();
            }
        }
    }

    /** {@code --kafka-config} with {@code group.protocol=consumer} (KIP-848). */
    private List<String> groupProtocolConsumer() throws java.io.IOException {
        Path kafkaConfig = dir.resolve("kafka.properties");
        Files.writeString(kafkaConfig, "group.protocol=consumer\n");
        return List.of("--kafka-config", kafkaConfig.toString());
    }

    private static int unique(DatagramReceiver receiver) {
        return new HashSet<>(receiver.texts()).size();
    }
}
