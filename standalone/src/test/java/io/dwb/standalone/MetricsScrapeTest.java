package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dwb.forwarder.ForwarderCommand;
import io.dwb.listener.Main;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real listener and a real forwarder, each its own process against the real engine, a real broker and a real
 * Wazuh queue socket: after containers ran, their /metrics carry their Kafka clients' metrics with plausible values
 * and latency histograms that counted each event once, and every Kafka client metric and latency histogram the
 * Prometheus rules and the Grafana dashboard use is among what they serve.
 */
@ExtendWith(SharedKafka.class)
class MetricsScrapeTest {
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*})? (\\S+)$");
    private static final Pattern USED = Pattern.compile("\\b((?:kafka|dwb)_[a-z0-9_]+)\\b");
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void listenerAndForwarderServeTheirKafkaClientsAndLatencyHistogramsAfterEventsFlowed(SharedKafka.Broker broker)
            throws Exception {
        String tag = SharedKafka.Broker.uniqueTopic("scrape");
        int listenerPort = freePort();
        int forwarderPort = freePort();
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess listener = JavaProcess.start(Main.class, Map.of(), "--bootstrap-servers",
                     broker.bootstrapServers(), "--topic", tag, "--checkpoint-topic", tag + "-checkpoints",
                     "--host-name", "host-" + tag, "--transaction-interval", "100ms",
                     "--metrics-port", String.valueOf(listenerPort))) {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                assertThat(listener.isAlive()).as(listener.output()).isTrue();
                return listener.output().contains("subscribed to GET /events");
            });
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), "--bootstrap-servers",
                    broker.bootstrapServers(), "--topic", tag, "--group", "g-" + tag, "--dlq-topic", tag + "-dlq",
                    "--wazuh-queue", wazuh.path().toString(), "--eps", "1000", "--max-live-age", "0",
                    "--metrics-port", String.valueOf(forwarderPort))) {
                String name = TestEngine.uniqueName("scrape");
                for (int i = 0; i < 3; i++) {
                    dockerRunTrue(name + "-" + i);
                }
                // Each run's destroy event delivered (other tests' containers may run on the engine meanwhile).
                await().atMost(Duration.ofSeconds(60)).until(() -> wazuh.alerts().stream()
                        .filter(a -> a.path("docker").path("Action").asText().equals("destroy"))
                        .filter(a -> a.path("docker").path("Actor").path("Attributes").path("name").asText()
                                .startsWith(name)).count() == 3);

                // Listener: every event it committed measured once, its producer's metrics served.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<String, Double> l = scrape(listenerPort);
                    assertThat(l.get("dwb_listener_events_published_total")).isGreaterThanOrEqualTo(12);
                    assertThat(l.get("dwb_listener_publish_latency_seconds_count"))
                            .isEqualTo(l.get("dwb_listener_events_published_total"));
                });
                Map<String, Double> l = scrape(listenerPort);
                String producer = "{client=\"listener\"";
                assertThat(sum(l, "kafka_producer_record_send_total", producer)).as("events, checkpoints, heartbeats")
                        .isGreaterThan(l.get("dwb_listener_events_published_total"));
                assertThat(sum(l, "kafka_producer_record_error_total", producer)).isZero();
                assertThat(sum(l, "kafka_producer_connection_count", producer)).isGreaterThanOrEqualTo(1);
                assertThat(sum(l, "kafka_producer_request_latency_avg", producer)).isNotNegative();
                assertThat(l.get("dwb_listener_publish_latency_seconds_bucket{le=\"+Inf\"}"))
                        .isEqualTo(l.get("dwb_listener_publish_latency_seconds_count"));

                // Forwarder: each event whose alert Wazuh's queue accepted measured once; its consumer's metrics.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<String, Double> f = scrape(forwarderPort);
                    long received = wazuh.alerts().stream().filter(a -> a.has("docker")).count();
                    assertThat(f.get("dwb_forwarder_delivery_latency_seconds_count"))
                            .isEqualTo(f.get("dwb_forwarder_alerts_sent_total{kind=\"event\"}"))
                            .isEqualTo((double) received);
                });
                Map<String, Double> f = scrape(forwarderPort);
                String consumer = "{client=\"forwarder\"";
                assertThat(sum(f, "kafka_consumer_fetch_manager_records_consumed_total", consumer))
                        .as("records fetched, at least the events delivered")
                        .isGreaterThanOrEqualTo(f.get("dwb_forwarder_alerts_sent_total{kind=\"event\"}"));
                assertThat(sum(f, "kafka_consumer_coordinator_assigned_partitions", consumer)).isPositive();
                assertThat(sum(f, "kafka_consumer_connection_count", consumer)).isGreaterThanOrEqualTo(1);
                // Its first commit comes up to --commit-interval after the delivery: awaited, not assumed.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                        sum(scrape(forwarderPort), "kafka_consumer_coordinator_commit_total", consumer)).isPositive());
                assertThat(sum(f, "kafka_producer_record_send_total", "{client=\"dead-letters\"")).isZero();
                assertThat(f.get("dwb_forwarder_delivery_latency_seconds_bucket{le=\"+Inf\"}"))
                        .isEqualTo(f.get("dwb_forwarder_delivery_latency_seconds_count"));
                assertThat(f.keySet()).as("nothing per partition").noneMatch(k -> k.contains("partition="));

                Set<String> served = new TreeSet<>();
                for (String key : l.keySet()) {
                    served.add(key.replaceAll("\\{.*", ""));
                }
                for (String key : f.keySet()) {
                    served.add(key.replaceAll("\\{.*", ""));
                }
                assertThat(kafkaAndLatencyMetricsUsedByTheKit()).as("what the rules and the dashboard use")
                        .isNotEmpty().isSubsetOf(served);
            }
        }
    }

    /** Sample name with its labels, as written, to value; one scrape. */
    private Map<String, Double> scrape(int port) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> samples = new java.util.HashMap<>();
        for (String line : body.lines().toList()) {
            Matcher m = SAMPLE.matcher(line);
            if (m.matches()) {
                samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return samples;
    }

    /** The sum of {@code name}'s series whose labels start with {@code labelsPrefix}. */
    private static double sum(Map<String, Double> samples, String name, String labelsPrefix) {
        assertThat(samples.keySet()).as(name + labelsPrefix).anyMatch(k -> k.startsWith(name + labelsPrefix));
        return samples.entrySet().stream().filter(e -> e.getKey().startsWith(name + labelsPrefix))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** The kafka_* metrics and the latency histograms' samples that the alerting rules and the dashboard query. */
    private static Set<String> kafkaAndLatencyMetricsUsedByTheKit() throws Exception {
        StringBuilder expressions = new StringBuilder();
        JsonNode rules = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/prometheus/docker-wazuh-bridge.rules.yml").toFile());
        rules.path("groups").forEach(g -> g.path("rules").forEach(r -> expressions.append(r.path("expr").asText())
                .append('\n')));
        JsonNode dashboard = new ObjectMapper().readTree(ROOT.resolve("deploy/grafana/docker-wazuh-bridge.json")
                .toFile());
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> expressions.append(t.path("expr")
                .asText()).append('\n')));
        Set<String> used = new TreeSet<>();
        Matcher m = USED.matcher(expressions);
        while (m.find()) {
            if (m.group(1).startsWith("kafka_") || m.group(1).contains("_latency_seconds")) {
                used.add(m.group(1));
            }
        }
        return used;
    }

    private static int freePort() throws Exception {
        return io.dwb.schemas.testing.FreePorts.outsideTheEphemeralRange();
    }

    /** {@code docker run --rm --network none --name NAME local/busybox:1 true}, with the real CLI. */
    private static void dockerRunTrue(String name) throws Exception {
        Process run = new ProcessBuilder("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true",
                "--name", name, TestEngine.BUSYBOX, "true").redirectErrorStream(true).start();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(new String(run.getInputStream().readAllBytes())).isZero();
    }
}
