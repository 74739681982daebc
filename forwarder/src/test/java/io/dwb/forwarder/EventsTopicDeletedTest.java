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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The events topic deleted under a running forwarder, on a real broker, the forwarder as {@code bin/forwarder} starts
 * it: its partitions were revoked, its hosts forgotten, and it went quiet with /healthz 200, nothing said but the Kafka
 * client's UNKNOWN_TOPIC_OR_PARTITION warnings. Now one ERROR names the topic and the fix, the gauge is 1 and /healthz
 * 503 after the bound, and the process stays up; made again with one partition (as a listener's producer makes it on
 * a broker that creates topics on first use), a WARN says it has fewer partitions than before, and the next event is
 * delivered without a restart.
 */
@ExtendWith(SharedKafka.class)
class EventsTopicDeletedTest {
    @TempDir
    Path dir;

    @Test
    void aTopicDeletedUnderARunningForwarderIsOneErrorLineAndHealthz503UntilItIsMadeAgain(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "topic-deleted", 3);
        int port = freePort();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                     JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                             "--topic", topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                             "--wazuh-queue", receiver.path().toString(), "--max-live-age", "0",
                             "--retry-max-delay", "1s", "--metrics-port", String.valueOf(port),
                             "--unhealthy-after", "2s"))) {
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) { // closed: its metadata asks no more
                TestRecords.sendAll(producer, List.of(event(topic, "before", 1)));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 200);

            try (Admin admin = broker.admin()) {
                admin.deleteTopics(List.of(topic)).all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic));
            }
            String gone = "topic " + topic + " is gone from Kafka (deleted)";
            await().atMost(Duration.ofSeconds(60)).until(() -> forwarder.output().contains(gone)
                    || !forwarder.isAlive());
            assertThat(lines(forwarder, gone)).as(forwarder.output()).singleElement().asString()
                    .contains(" ERROR ")
                    .contains("the events of its partitions not delivered yet are gone with it")
                    .contains("kafka-topics.sh --create --topic " + topic + " --partitions 3")
                    .contains("a listener's producer makes it with the broker's defaults");
            await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 503);
            assertThat(gauge(port, "dwb_forwarder_topic_missing")).isEqualTo("1.0");
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).until(forwarder::isAlive);
            assertThat(lines(forwarder, gone)).as("said once").hasSize(1);

            // Made again with the broker's defaults (one partition), as a listener's producer makes it where the
            // broker creates topics on first use; then a listener's next event.
            broker.createTopic(topic, 1, Map.of());
            TestRecords.awaitLeaders(broker, topic);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(event(topic, "after", 2)));
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> receiver.count() == 2 || !forwarder.isAlive());
            assertThat(receiver.alerts()).as(forwarder.output()).extracting(a -> a.path("docker").path("Actor")
                    .path("Attributes").path("name").asText()).containsExactly("before", "after");
            // Said at the assignment, before the event is delivered; the process's output is read by another thread
            String back = "topic " + topic + " is back with 1 partition(s), 3 before";
            await().atMost(Duration.ofSeconds(10)).until(() -> forwarder.output().contains(back));
            assertThat(lines(forwarder, back)).as(forwarder.output())
                    .singleElement().asString().contains(" WARN ")
                    .contains("kafka-topics.sh --alter --topic " + topic + " --partitions 3");
            await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 200);
            assertThat(gauge(port, "dwb_forwarder_topic_missing")).isEqualTo("0.0");

            assertThat(forwarder.terminate(Duration.ofSeconds(30))).as(forwarder.output()).isZero();
            assertThat(Arrays.stream(forwarder.output().split("\\R")).filter(l -> l.startsWith("error: ")))
                    .as(forwarder.output()).isEmpty();
        }
    }

    private static List<String> lines(JavaProcess process, String containing) {
        return Arrays.stream(process.output().split("\\R")).filter(l -> l.contains(containing)).toList();
    }

    private static ProducerRecord<byte[], byte[]> event(String topic, String name, int n) {
        return TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent(name, 1_764_000_000_000_000_000L + n));
    }

    private static int freePort() throws IOException {
        return io.dwb.schemas.testing.FreePorts.outsideTheEphemeralRange();
    }

    /** The status /healthz answers; -1 while nothing answers. */
    private static int health(int port) {
        HttpResponse<String> response = get(port, "/healthz");
        return response == null ? -1 : response.statusCode();
    }

    /** The value of the unlabelled series {@code name} in /metrics, as Prometheus' text format writes it. */
    private static String gauge(int port, String name) {
        HttpResponse<String> response = get(port, "/metrics");
        return response == null ? "no answer" : Arrays.stream(response.body().split("\n"))
                .filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length() + 1).strip()).findFirst()
                .orElse("absent");
    }

    /** The answer to {@code path} of the metrics port; null when nothing answers (not listening yet). */
    private static HttpResponse<String> get(int port, String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + path)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
