package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka gone while a forwarder delivers what it had fetched (paced): the commits that fail meanwhile are said once,
 * and a SIGTERM ends the forwarder well within systemd's 60 s {@code TimeoutStopSec}, exit 0; what it could not
 * commit is delivered again by the group. Before: a WARN at every commit interval for the whole outage (an hour,
 * 3,600 lines), and a stop that waited for Kafka's 60 s {@code default.api.timeout.ms} at its last commit, then up to
 * 30 s more to close the consumer: killed by systemd.
 */
class StopDuringKafkaOutageTest {
    private static final int EVENTS = 60;
    /** Well within systemd's 60 s, which the stop used to pass. */
    private static final Duration PROMPT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    @Test
    void commitsFailingWhileKafkaIsGoneAreSaidOnceAndAStopThenEndsWellWithinSystemdsTimeout() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker();
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            String topic = TestRecords.topic(broker, "outage", 1);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                long now = System.currentTimeMillis() * 1_000_000L;
                for (int i = 0; i < EVENTS; i++) {
                    producer.send(TestRecords.event(topic, "host-a", "A", TestRecords.containerEvent("e" + i, now++)));
                }
            }
            List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic",
                    topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq", "--wazuh-queue",
                    receiver.path().toString(), "--eps", "4", "--commit-interval", "1s"));
            args.addAll(TestRecords.ANY_AGE);
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(),
                    args.toArray(String[]::new))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 4 || !forwarder.isAlive());
                assertThat(forwarder.isAlive()).as(forwarder.output()).isTrue();

                // Gone (a broker host down): the fetched records go on being delivered, paced, and their commits fail.
                broker.container().getDockerClient().killContainerCmd(broker.container().getContainerId()).exec();
                int delivered = receiver.count();
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= delivered + 24);
                assertThat(forwarder.output().lines().filter(l -> l.contains("commit failed")))
                        .as("said once, not at each 1 s interval:%n%s", forwarder.output()).hasSize(1);

                assertThat(forwarder.terminate(PROMPT)).as(forwarder.output()).isZero();
            }
        }
    }
}
