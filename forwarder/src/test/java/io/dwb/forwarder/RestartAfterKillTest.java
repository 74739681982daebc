package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder killed with SIGKILL and started again, with its default options, delivers what was published while it
 * was down within seconds: its static membership gives it its partitions back at once, where a new dynamic member
 * waited for the dead one's session to expire ({@code session.timeout.ms}, 45 s by default).
 */
@ExtendWith(SharedKafka.class)
class RestartAfterKillTest {
    /** Well below the session timeout, with room for a JVM start on a loaded machine. */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);
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

    @Test
    void aForwarderRestartedAfterSigkillDeliversWhatItMissedWithinSeconds(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "restart", 2);
        Path queue = dir.resolve("queue");
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                "--group", "g-" + topic, "--wazuh-queue", queue.toString(), "--commit-interval", "200ms",
                "--max-live-age", "0"); // fixed 2025 event times
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
                await().atMost(RECOVERY_BOUND).until(() -> unique(receiver) == 40);
                long seconds = Duration.ofNanos(System.nanoTime() - restart).toSeconds();
                assertThat(second.output()).contains("partitions assigned");
                assertThat(seconds).as("seconds from the restart to the last missed event").isLessThan(
                        RECOVERY_BOUND.toSeconds());
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

    private static int unique(DatagramReceiver receiver) {
        return new HashSet<>(receiver.texts()).size();
    }
}
