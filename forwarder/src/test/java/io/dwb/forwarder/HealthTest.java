package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.net.ServerSocket;
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
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
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
