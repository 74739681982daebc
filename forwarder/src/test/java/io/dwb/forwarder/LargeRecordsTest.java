package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events of a megabyte each, as any user who may start a container can make them (a label of a megabyte rides in
 * every event of its container), compressed as a fleet's producers may be told to (lz4 here): 1 MiB of batches held
 * hundreds of them, a poll decompressed up to 2,000, and the forwarder, started as {@code bin/forwarder} starts it
 * (a fixed 72 MB heap), exited on OutOfMemoryError before its first datagram, at the same offset after each restart.
 */
@ExtendWith(SharedKafka.class)
class LargeRecordsTest {
    private static final int EVENTS = 300;

    @TempDir
    Path dir;

    @Test
    void compressedEventsOfAMegabyteEachAreAllDeliveredTrimmedWithinTheLaunchersHeap(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "large", 3);
        long t0 = System.currentTimeMillis() * 1_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < EVENTS; i++) {
                ObjectNode event = TestRecords.containerEvent("big-" + i, t0 + i);
                ((ObjectNode) event.path("Actor").path("Attributes")).put("com.example.blob", "x".repeat(1_000_000));
                producer.send(TestRecords.event(topic, "host-" + i % 3, "host-id-" + i % 3, event));
            }
            producer.flush();
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                     JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                             "--topic", topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                             "--wazuh-queue", receiver.path().toString()))) {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> receiver.count() >= EVENTS || !forwarder.isAlive());
            assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s", forwarder.output())
                    .isTrue();
            assertThat(receiver.count()).isEqualTo(EVENTS);
            Set<String> names = new HashSet<>();
            for (byte[] datagram : receiver.datagrams()) {
                assertThat(datagram.length).isLessThanOrEqualTo(DatagramReceiver.AGENT_MAX_MESSAGE);
                ObjectNode alert = TestRecords.alert(datagram);
                assertThat(alert.path("truncated").asBoolean()).isTrue();
                names.add(alert.path("docker").path("Actor").path("Attributes").path("name").asText());
            }
            assertThat(names).as("each event once").hasSize(EVENTS);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }
}
