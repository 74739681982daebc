package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dwb.forwarder.ForwarderMetrics;
import io.dwb.listener.ListenerMetrics;
import io.dwb.runtime.BuildInfo;
import io.dwb.runtime.KafkaClientMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus alerting rules and the Grafana dashboard in deploy/ use only metrics the processes serve (their
 * own, the JVM's and the process's), and are well-formed: a renamed metric fails here, not on an admin's screen.
 */
class ObservabilityKitTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\b((?:dwb|jvm|process|kafka)_[a-z0-9_]+)\\b");

    @Test
    void everyAlertingRuleIsCompleteAndUsesServedMetrics() throws IOException {
        JsonNode rules = new ObjectMapper(new YAMLFactory())
                .readTree(ROOT.resolve("deploy/prometheus/docker-wazuh-bridge.rules.yml").toFile());
        List<String> expressions = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            assertThat(group.path("rules").size()).as("rules of " + group.path("name")).isPositive();
            for (JsonNode rule : group.path("rules")) {
                assertThat(rule.path("alert").asText()).as("alert name").matches("Dwb[A-Za-z]+");
                assertThat(rule.path("labels").path("severity").asText()).as(rule.path("alert").asText())
                        .isIn("critical", "warning", "info");
                assertThat(rule.path("annotations").path("summary").asText()).isNotBlank();
                assertThat(rule.path("annotations").path("description").asText()).isNotBlank();
                expressions.add(rule.path("expr").asText());
            }
        }
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(8);
        assertThat(expressions).as("arithmetic of one metric's series only").allSatisfy(
                ObservabilityKitTest::assertArithmeticOfOneMetric);
        assertThat(metricsIn(expressions)).isSubsetOf(servedSampleNames());
    }

    /**
     * A process that is gone serves no series, so only Prometheus' own {@code up} can say it: a rule on it, and the
     * jobs of the scrape example in docs/deployment.md matched by every job selector of the rules (Prometheus
     * anchors {@code =~} as Java's {@code matches} does).
     */
    @Test
    void aProcessDownIsAlertedOnForTheJobsTheDocsScrape() throws IOException {
        String rulesText = Files.readString(ROOT.resolve("deploy/prometheus/docker-wazuh-bridge.rules.yml"));
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(rulesText);
        List<String> down = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("expr").asText().startsWith("up{")) {
                    down.add(rule.path("alert").asText());
                }
            }
        }
        assertThat(down).containsExactly("DwbProcessDown");
        Set<String> jobs = new TreeSet<>();
        Matcher job = Pattern.compile("job_name: ([a-z0-9-]+)").matcher(
                Files.readString(ROOT.resolve("docs/deployment.md")));
        while (job.find()) {
            jobs.add(job.group(1));
        }
        assertThat(jobs).containsExactly("dwb-forwarder", "dwb-listener");
        Matcher selector = Pattern.compile("job=~\"([^\"]+)\"").matcher(rulesText);
        int selectors = 0;
        while (selector.find()) {
            selectors++;
            for (String name : jobs) {
                assertThat(name).as("job selector " + selector.group(1)).matches(selector.group(1));
            }
        }
        assertThat(selectors).as("the process rules' job selectors").isGreaterThanOrEqualTo(2);
    }

    @Test
    void everyDashboardPanelQueriesServedMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(ROOT.resolve("deploy/grafana/docker-wazuh-bridge.json").toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("docker-wazuh-bridge");
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
            panel.path("targets").forEach(t -> expressions.add(t.path("expr").asText()));
        }
        assertThat(expressions).as("arithmetic of one metric's series only").allSatisfy(
                ObservabilityKitTest::assertArithmeticOfOneMetric);
        Set<String> used = metricsIn(expressions);
        assertThat(used).isSubsetOf(servedSampleNames());
        assertThat(used).as("the bridge's own metrics all on the dashboard (a histogram by its buckets)")
                .containsAll(dashboardNames(ownMetrics()));
        assertThat(used).as("the latency histograms, Kafka client lag and errors on the dashboard").contains(
                "dwb_listener_publish_latency_seconds_bucket", "dwb_forwarder_delivery_latency_seconds_bucket",
                "kafka_consumer_fetch_manager_records_lag_max", "kafka_producer_record_error_total");
    }

    @Test
    void everyMetricIsInTheDocsMetricTables() throws IOException {
        String docs = Files.readString(ROOT.resolve("docs/listener.md")) + Files.readString(ROOT.resolve(
                "docs/forwarder.md"));
        List<String> missing = new ArrayList<>();
        for (MetricSnapshot s : ownMetrics()) {
            String name = s.getMetadata().getPrometheusName() + (s instanceof CounterSnapshot ? "_total" : "");
            if (!docs.contains("| `" + name)) {
                missing.add(name);
            }
        }
        for (MetricSnapshot s : kafkaClientMetrics()) {
            String name = s.getMetadata().getPrometheusName() + (s instanceof CounterSnapshot ? "_total" : "");
            if (!docs.contains("`" + name + "`")) {
                missing.add(name);
            }
        }
        assertThat(missing).as("metrics served and not documented").isEmpty();
    }

    @Test
    void theComposeDeploymentServesMetricsOnItsNetwork() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile());
        for (String service : List.of("listener", "forwarder")) {
            JsonNode env = compose.path("services").path(service).path("environment");
            assertThat(env.path("DWB_METRICS_PORT").asText()).as(service).isEqualTo("9464");
            assertThat(env.path("DWB_METRICS_ADDRESS").asText()).as(service).isEqualTo("0.0.0.0");
            assertThat(compose.path("services").path(service).has("ports")).as(service + " publishes no port")
                    .isFalse();
        }
    }

    /**
     * Binary arithmetic ({@code + - * /}) in {@code expression} is between series of one metric (a histogram's bucket
     * and count): between two metrics it matches their series by their whole label sets, and the bridge's metrics of
     * two kinds do not share them. The Kafka clients' connections panel added the producers' count to the consumer's,
     * both {@code by (instance, client)}: a producer is client listener or dead-letters, the consumer forwarder, so
     * the sum had no series, ever ({@code or} shows both).
     */
    private static void assertArithmeticOfOneMetric(String expression) {
        List<String> operands = topLevelOperands(expression);
        if (operands.size() < 2) {
            return; // no arithmetic: "or", comparisons with a number
        }
        Set<String> families = new TreeSet<>();
        for (String operand : operands) {
            Set<String> names = metricsIn(List.of(operand));
            if (!names.isEmpty()) { // a number is no series
                names.forEach(n -> families.add(n.replaceAll("_(bucket|count|sum)$", "")));
            }
        }
        if (families.size() > 1 && sameLabels(families)) {
            return;
        }
        assertThat(families).as("metrics combined by arithmetic in: " + expression).hasSizeLessThanOrEqualTo(1);
    }

    /**
     * Whether {@code families} are the bridge's own metrics of one process (all the listener's, or all the
     * forwarder's), each serving one series without labels: a target's series of them carry the same labels (job,
     * instance), and match one to one (DwbListenerStalled: the time since the last commit against three heartbeat
     * intervals).
     */
    static boolean sameLabels(Set<String> families) {
        Set<String> processes = new TreeSet<>();
        for (String family : families) {
            if (!family.startsWith("dwb_listener_") && !family.startsWith("dwb_forwarder_")) {
                return false;
            }
            processes.add(family.substring(0, family.indexOf('_', "dwb_".length())));
            List<MetricSnapshot> own = ownMetrics().stream()
                    .filter(s -> sampleNames(List.of(s)).contains(family)).toList();
            if (own.size() != 1 || own.get(0).getDataPoints().size() != 1
                    || !own.get(0).getDataPoints().get(0).getLabels().isEmpty()) {
                return false;
            }
        }
        return processes.size() == 1;
    }

    /** {@code expression} split at its binary arithmetic outside parentheses, braces, brackets and quotes. */
    static List<String> topLevelOperands(String expression) {
        List<String> operands = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '(' || c == '{' || c == '[')) {
                depth++;
            } else if (!quoted && (c == ')' || c == '}' || c == ']')) {
                depth--;
            } else if (!quoted && depth == 0 && "+-*/".indexOf(c) >= 0 && i > 0 && i + 1 < expression.length()
                    && expression.charAt(i - 1) == ' ' && expression.charAt(i + 1) == ' ') {
                operands.add(expression.substring(start, i));
                start = i + 1;
            }
        }
        operands.add(expression.substring(start));
        return operands;
    }

    @Test
    void theArithmeticCheckFindsTwoMetricsAddedUp() {
        assertThat(topLevelOperands("sum by (instance) (rate(a_bucket{le=\"1.0\"}[5m])) / sum by (instance) "
                + "(rate(a_count[5m]))")).hasSize(2);
        assertThat(topLevelOperands("process_resident_memory_bytes{job=~\"dwb-.*\"} > 250e6")).hasSize(1);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> assertArithmeticOfOneMetric(
                "sum by (instance, client) (kafka_producer_connection_count) + sum by (instance, client) "
                        + "(kafka_consumer_connection_count)"))).isInstanceOf(AssertionError.class);
        assertThat(sameLabels(Set.of("dwb_listener_last_commit_timestamp_seconds",
                "dwb_listener_heartbeat_interval_seconds"))).as("one listener's two gauges without labels").isTrue();
        assertThat(sameLabels(Set.of("dwb_listener_queue_depth", "dwb_forwarder_paused")))
                .as("two processes' gauges").isFalse();
        assertThat(sameLabels(Set.of("dwb_listener_queue_depth", "dwb_listener_stand_ins_total")))
                .as("a counter by reason").isFalse();
    }

    /**
     * A listener is stalled when it has committed nothing for longer than its heartbeats allow: three intervals,
     * whatever --heartbeat-interval says (1 s to 1 d), never under 10 minutes. A rate over a fixed window, as the
     * rule was (nothing in 5 minutes, for 5 minutes), fired on every quiet listener whose interval is about 10
     * minutes or more, between its heartbeats.
     */
    @Test
    void theListenerStalledRuleFollowsTheHeartbeatInterval() throws IOException {
        JsonNode rule = rule("DwbListenerStalled");
        assertThat(rule.path("labels").path("severity").asText()).isEqualTo("critical");
        assertThat(rule.path("expr").asText()).isEqualTo("time() - dwb_listener_last_commit_timestamp_seconds > "
                + "clamp_min(3 * dwb_listener_heartbeat_interval_seconds, 600)");
        assertThat(rule.has("for")).as("the time since the last commit grows until one: nothing to wait for")
                .isFalse();
        assertThat(rulesText()).as("no rule of a fixed window over the listener's transactions")
                .doesNotContain("dwb_listener_transactions_total[");
    }

    /**
     * A quiet listener's producer is idle between its heartbeats, and the standalone's broker closes a connection idle
     * for a minute ({@link EmbeddedKafka#CONNECTIONS_MAX_IDLE_MS}): with a --heartbeat-interval over a minute its
     * connection count is 0 most of the time, healthy. The rule on it fires only once a heartbeat is overdue too.
     */
    @Test
    void noKafkaConnectionIsAFaultOnlyOnceAHeartbeatIsOverdue() throws IOException {
        JsonNode rule = rule("DwbKafkaClientDisconnected");
        assertThat(rule.path("expr").asText()).isEqualTo("kafka_producer_connection_count{client=\"listener\"} == 0 "
                + "and on(job, instance) (time() - dwb_listener_last_commit_timestamp_seconds > "
                + "dwb_listener_heartbeat_interval_seconds + 60)");
    }

    /**
     * Each process's memory rule is above what its jvm.options let the heap, the metaspace and the code cache take:
     * the standalone's flags (-Xmx256m, 160m of metaspace, 64m of code) allow twice the listener's and forwarder's
     * 250 MB threshold, which fired on a standalone whose heap was merely full. The standalone is told apart by
     * serving both processes' metrics, whatever its job's name.
     */
    @Test
    void eachProcessesMemoryRuleIsAboveWhatItsJvmFlagsAllow() throws IOException {
        double single = threshold(rule("DwbProcessMemoryHigh"));
        for (String module : List.of("listener", "forwarder")) {
            assertThat(jvmFlagsBound(module)).as(module).isLessThan(single);
        }
        double standalone = threshold(rule("DwbStandaloneMemoryHigh"));
        assertThat(jvmFlagsBound("standalone")).as("standalone").isGreaterThan(single).isLessThan(standalone);
        assertThat(rule("DwbProcessMemoryHigh").path("expr").asText()).as("the standalone left out").endsWith(
                " unless on(job, instance) (dwb_listener_queue_depth and on(job, instance) dwb_forwarder_paused)");
        assertThat(rule("DwbStandaloneMemoryHigh").path("expr").asText()).as("the standalone alone").endsWith(
                " and on(job, instance) dwb_listener_queue_depth and on(job, instance) dwb_forwarder_paused");
    }

    /** The bytes of {@code rule}'s {@code process_resident_memory_bytes{...} > N}. */
    private static double threshold(JsonNode rule) {
        Matcher m = Pattern.compile("^process_resident_memory_bytes\\{[^}]*\\} > ([0-9.e]+)\\b")
                .matcher(rule.path("expr").asText());
        assertThat(m.find()).as(rule.path("expr").asText()).isTrue();
        return Double.parseDouble(m.group(1));
    }

    /** The heap, metaspace and code cache that {@code module}'s jvm.options allow, in bytes. */
    private static double jvmFlagsBound(String module) throws IOException {
        double bytes = 0;
        int flags = 0;
        Matcher m = Pattern.compile("^-(?:Xmx|XX:MaxMetaspaceSize=|XX:ReservedCodeCacheSize=)([0-9]+)m$",
                Pattern.MULTILINE).matcher(Files.readString(ROOT.resolve(module + "/src/main/jvm/jvm.options")));
        while (m.find()) {
            bytes += Long.parseLong(m.group(1)) << 20;
            flags++;
        }
        assertThat(flags).as(module + "'s heap, metaspace and code cache flags").isEqualTo(3);
        return bytes;
    }

    /**
     * dwb_listener_stand_ins_total counts events published as their stand-in (truncated=true at Wazuh) and, as
     * not-an-event, bytes skipped and never published: each has its rule, whose text says which.
     */
    @Test
    void standInsAndSkippedBytesAreToldApart() throws IOException {
        assertThat(rule("DwbListenerStandIns").path("expr").asText())
                .contains("dwb_listener_stand_ins_total{reason!=\"not-an-event\"}");
        assertThat(rule("DwbListenerStandIns").path("annotations").path("description").asText())
                .contains("truncated=true");
        assertThat(rule("DwbListenerSkippedBytes").path("expr").asText())
                .contains("dwb_listener_stand_ins_total{reason=\"not-an-event\"}");
        assertThat(rule("DwbListenerSkippedBytes").path("annotations").path("description").asText())
                .contains("nothing published").doesNotContain("truncated");
    }

    /** deployment.md's summary of the rules names each: four forwarder rules were missing from it. */
    @Test
    void everyAlertIsNamedInTheDeploymentDocs() throws IOException {
        String docs = Files.readString(ROOT.resolve("docs/deployment.md"));
        List<String> missing = new ArrayList<>();
        for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(rulesText()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (!docs.contains("`" + rule.path("alert").asText() + "`")) {
                    missing.add(rule.path("alert").asText());
                }
            }
        }
        assertThat(missing).as("alerts not named in docs/deployment.md").isEmpty();
    }

    private static String rulesText() throws IOException {
        return Files.readString(ROOT.resolve("deploy/prometheus/docker-wazuh-bridge.rules.yml"));
    }

    /** The alerting rule named {@code alert}. */
    static JsonNode rule(String alert) throws IOException {
        for (JsonNode group : new ObjectMapper(new YAMLFactory()).readTree(rulesText()).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("alert").asText().equals(alert)) {
                    return rule;
                }
            }
        }
        throw new AssertionError("no rule " + alert);
    }

    private static Set<String> metricsIn(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /**
     * The sample names /metrics can carry: the bridge's own, its Kafka clients' (read from real clients: a listener's
     * transactional producer, a forwarder's consumer in a group), then the JVM's and the process's.
     */
    private static Set<String> servedSampleNames() {
        Set<String> names = sampleNames(ownMetrics());
        names.addAll(sampleNames(kafkaClientMetrics()));
        PrometheusRegistry jvm = new PrometheusRegistry();
        JvmMetrics.builder().register(jvm);
        BuildInfo.register(jvm); // MetricsEndpoint's, beside the JVM's
        names.addAll(sampleNames(jvm.scrape()));
        return names;
    }

    /**
     * The bridge's own metrics, those of a listener that started its capture as its capture loop does (the gauges
     * that have no sample before then serve one).
     */
    private static List<MetricSnapshot> ownMetrics() {
        List<MetricSnapshot> own = new ArrayList<>();
        ListenerMetrics listener = new ListenerMetrics(() -> 0);
        listener.heartbeatInterval(java.time.Duration.ofSeconds(30));
        listener.captureStarted(System.currentTimeMillis() * 1_000_000L);
        listener.registry().scrape().forEach(own::add);
        new ForwarderMetrics().registry().scrape().forEach(own::add);
        return own;
    }

    private static List<MetricSnapshot> kafkaClientMetrics() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9");
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        Properties producer = new Properties();
        producer.putAll(p);
        producer.put("transactional.id", "observability-kit");
        Properties consumer = new Properties();
        consumer.putAll(p);
        consumer.put("group.id", "observability-kit");
        try (KafkaProducer<byte[], byte[]> listener = new KafkaProducer<>(producer);
             KafkaConsumer<byte[], byte[]> forwarder = new KafkaConsumer<>(consumer)) {
            KafkaClientMetrics clients = new KafkaClientMetrics();
            clients.register(ListenerMetrics.KAFKA_CLIENT, listener::metrics);
            clients.register(ForwarderMetrics.KAFKA_CONSUMER, forwarder::metrics);
            List<MetricSnapshot> served = new ArrayList<>();
            clients.collect().forEach(served::add);
            return served;
        }
    }

    /** What the dashboard must show of each metric: a histogram's buckets, the others' samples. */
    private static List<String> dashboardNames(List<MetricSnapshot> metrics) {
        List<String> names = new ArrayList<>();
        for (MetricSnapshot s : metrics) {
            String name = s.getMetadata().getPrometheusName();
            if (s instanceof HistogramSnapshot) {
                names.add(name + "_bucket");
            } else if (!name.equals("dwb_forwarder_heartbeats") && !name.equals("dwb_forwarder_replay_skipped")) {
                names.add(s instanceof CounterSnapshot ? name + "_total" : name);
            }
        }
        return names;
    }

    private static Set<String> sampleNames(Iterable<MetricSnapshot> snapshots) {
        Set<String> names = new TreeSet<>();
        for (MetricSnapshot s : snapshots) {
            String name = s.getMetadata().getPrometheusName();
            if (s instanceof CounterSnapshot) {
                names.add(name + "_total");
            } else if (s instanceof InfoSnapshot) {
                names.add(name + "_info");
            } else if (s instanceof HistogramSnapshot || s instanceof SummarySnapshot) {
                names.addAll(List.of(name + "_bucket", name + "_sum", name + "_count", name));
            } else {
                names.add(name);
            }
        }
        return names;
    }
}
