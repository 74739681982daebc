package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 4: SIGKILL mid-stream loses nothing, repeats at most the uncommitted batch; the duplicate window
 * drops what it has seen; metrics and health are served; SIGTERM commits what was delivered and exits 0.
 */
@ExtendWith(SharedKafka.class)
class CrashRecoveryTest {
    private static final int TOTAL = 3_000;
    private static final int EPS = 300;

    @TempDir
    Path dir;

    private static List<String> args(SharedKafka.Broker broker, String topic, Path queue, String... extra) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                "--topic", topic, "--group", "g-" + topic, "--wazuh-queue", queue.toString(),
                "--eps", String.valueOf(EPS), "--commit-interval", "1s", "--retry-max-delay", "1s"));
        args.addAll(List.of(extra));
        args.addAll(TestRecords.ANY_AGE);
        return args;
    }

    @Test
    void aKilledForwarderRestartsWithoutLossAndRepeatsAtMostItsUncommittedBatch(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "crash", 2);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < TOTAL; i++) {
            String host = "host-" + (i % 2);
            records.add(TestRecords.event(topic, host, host + "-id",
                    TestRecords.containerEvent("k" + i, 1_764_000_000_000_000_000L + i)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            TestRecords.sendAll(producer, records);
            try (JavaProcess first = JavaProcess.start(ForwarderCommand.class, Map.of(),
                    args(broker, topic, receiver.path()))) {
                await().atMost(Duration.ofSeconds(90)).until(() -> receiver.count() >= 900);
                first.kill(); // SIGKILL: no commit on the way out
            }
            int atKill = receiver.count();
            assertThat(atKill).isLessThan(TOTAL);

            int port = io.dwb.schemas.testing.FreePorts.outsideTheEphemeralRange();
            try (JavaProcess second = JavaProcess.start(ForwarderCommand.class, Map.of(),
                    args(broker, topic, receiver.path(), "--metrics-port", String.valueOf(port)))) {
                await().atMost(Duration.ofSeconds(120)).until(() -> unique(receiver) == TOTAL);
                int duplicates = receiver.count() - TOTAL;
                // What the first one delivered in its last commit interval, at most, plus one pacer burst and what
                // it delivered while its last (asynchronous) commit was in flight: 100 ms allowed for that.
                assertThat(duplicates).as("repeated after the kill")
                        .isLessThanOrEqualTo(EPS + EPS / 10 + EPS / 20 + 1);

                // Records it has delivered, published again (a listener's resume overlap): dropped by the window.
                int before = receiver.count();
                List<ProducerRecord<byte[], byte[]>> again = new ArrayList<>(records.subList(TOTAL - 50, TOTAL));
                again.add(TestRecords.event(topic, "host-0", "host-0-id",
                        TestRecords.containerEvent("sentinel", 1_764_000_000_000_000_000L + TOTAL)));
                TestRecords.sendAll(producer, again);
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() > before);
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(1));
                assertThat(receiver.count()).isEqualTo(before + 1);
                assertThat(receiver.texts().get(receiver.count() - 1)).contains("sentinel");

                HttpClient http = HttpClient.newHttpClient();
                String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("dwb_forwarder_duplicates_dropped_total 50.0")
                        .contains("dwb_forwarder_records_consumed_total").contains("dwb_forwarder_consumer_lag")
                        .contains("dwb_forwarder_paused 0.0").contains("dwb_forwarder_socket_errors_total")
                        .contains("dwb_forwarder_alerts_sent_total{kind=\"event\"}");
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(200);

                assertThat(second.terminate(Duration.ofSeconds(60))).as(second.output()).isZero();
                assertThat(TestRecords.committedTotal(broker, "g-" + topic)).isEqualTo(TOTAL + 51);
            }
        }
    }

    private static int unique(DatagramReceiver receiver) {
        Set<String> distinct = new HashSet<>(receiver.texts());
        return distinct.size();
    }
}
