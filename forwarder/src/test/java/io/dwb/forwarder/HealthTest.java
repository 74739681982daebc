package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code /healthz} and the exit code say when the forwarder cannot do its job: Kafka gone at start (exit 1),
 * Kafka gone while running (503 after {@code --unhealthy-after}, still running), Wazuh refusing for longer than
 * that (503, 200 again once it takes alerts).
 */
@ExtendWith(SharedKafka.class)
class HealthTest {
    private static final String BOUND = "2s";

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        return io.dwb.schemas.testing.FreePorts.outsideTheEphemeralRange();
    }

    private static int health(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static JavaProcess forwarder(String bootstrap, String topic, Path queue, int metricsPort,
                                         String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", bootstrap, "--topic", topic,
                "--group", "g-" + topic, "--wazuh-queue", queue.toString(), "--retry-max-delay", "1s",
                "--metrics-port", String.valueOf(metricsPort), "--unhealthy-after", BOUND));
        args.addAll(TestRecords.ANY_AGE); // fixed 2025 event times
        args.addAll(List.of(extra));
        return JavaProcess.start(ForwarderCommand.class, Map.of(), args);
    }

    @Test
    void kafkaNotAnsweringAtStartIsOneErrorLineAndExit1() throws Exception {
        int nobody = freePort();
        Path kafkaConfig = Files.writeString(dir.resolve("client.properties"), "default.api.timeout.ms=3000\n");
        try (JavaProcess process = forwarder("127.0.0.1:" + nobody, "t", dir.resolve("queue"), freePort(),
                "--kafka-config", kafkaConfig.toString())) {
            assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.output()).isEqualTo(1);
            assertThat(process.output()).contains("error: cannot reach Kafka at 127.0.0.1:" + nobody
                    + " (no answer within default.api.timeout.ms, 3000 ms)");
            // Not the Kafka client's WARN at each reconnection (about one a second, each client: a fleet's logs
            // flooded while a broker was down).
            assertThat(process.output()).doesNotContain("could not be established");
        }
    }

    @Test
    void kafkaStoppingWhileRunningTurnsHealthz503AfterTheBoundAndTheForwarderWaits() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker();
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            String topic = TestRecords.topic(broker, "health-kafka", 1);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id",
                        TestRecords.containerEvent("before", 1_764_000_000_000_000_000L))));
            }
            int port = freePort();
            try (JavaProcess process = forwarder(broker.bootstrapServers(), topic, receiver.path(), port)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);
                assertThat(health(port)).isEqualTo(200);

                broker.container().getDockerClient().stopContainerCmd(broker.container().getContainerId()).exec();
                await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 503);
                assertThat(process.isAlive()).as("waits for Kafka rather than exit").isTrue();
                assertThat(process.output()).contains("Kafka unreachable: no broker connected, or none answered");
            }
        }
    }

    /**
     * A member with no partition (more forwarders than partitions) fetches nothing, so no fetch can go unanswered:
     * with its broker hung (paused: the kernel still takes its connections, nobody answers) it counted as reachable
     * on its connection alone, /healthz 200 for as long as the broker hung.
     */
    @Test
    void aMemberWithoutPartitionTurnsHealthz503WhileItsBrokerHangs() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker();
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            String topic = TestRecords.topic(broker, "health-idle", 1);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id",
                        TestRecords.containerEvent("before", 1_764_000_000_000_000_000L))));
            }
            int owning = freePort();
            int idle = freePort();
            try (JavaProcess owner = forwarder(broker.bootstrapServers(), topic, receiver.path(), owning);
                 JavaProcess spare = startedAfter(owner, receiver, broker, topic, idle)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> membersWithoutPartition(broker, topic) == 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> health(idle) == 200);

                var docker = broker.container().getDockerClient();
                docker.pauseContainerCmd(broker.container().getContainerId()).exec();
                try {
                    // Its last answer within 40 s (DeliveryLoop.ACCEPTED_AFTER), then the 2 s bound.
                    await().atMost(Duration.ofSeconds(90)).until(() -> health(idle) == 503);
                    assertThat(spare.output()).contains("Kafka unreachable: no broker connected, or none answered");
                } finally {
                    docker.unpauseContainerCmd(broker.container().getContainerId()).exec();
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> health(idle) == 200);
                assertThat(spare.output()).contains("Kafka reachable again");
                assertThat(spare.isAlive()).isTrue();
            }
        }
    }

    /** The second member, started once the first delivered: the partition stays the first's (cooperative). */
    private JavaProcess startedAfter(JavaProcess owner, DatagramReceiver receiver, SharedKafka.Broker broker,
                                     String topic, int port) throws IOException {
        await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);
        assertThat(owner.isAlive()).isTrue();
        // Its own instance id: one host's forwarders of a group and a queue share one, and fence each other.
        return forwarder(broker.bootstrapServers(), topic, receiver.path(), port, "--instance-id", "spare");
    }

    private static long membersWithoutPartition(SharedKafka.Broker broker, String topic) throws Exception {
        ConsumerGroupDescription group;
        try (Admin admin = broker.admin()) {
            group = admin.describeConsumerGroups(List.of("g-" + topic)).all().get().get("g-" + topic);
        }
        if (group.members().size() != 2) {
            return -1;
        }
        return group.members().stream().filter(m -> m.assignment().topicPartitions().isEmpty()).count();
    }

    @Test
    void wazuhRefusingLongerThanTheBoundTurnsHealthz503UntilItTakesAlertsAgain(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "health-wazuh", 1);
        Path queue = dir.resolve("queue");
        int port = freePort();
        try (JavaProcess process = forwarder(broker.bootstrapServers(), topic, queue, port)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> health(port) == 200);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id",
                        TestRecords.containerEvent("waiting", 1_764_000_000_000_000_000L))));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> process.output().contains("paused: socket missing"));
            await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 503);

            try (DatagramReceiver receiver = DatagramReceiver.bind(queue)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> health(port) == 200);
            }
        }
    }
}
