package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.forwarder.DeliveryOptions;
import io.dwb.forwarder.ForwarderCommand;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.TestEngine;
import io.dwb.schemas.testing.WazuhJsonFields;
import io.dwb.schemas.Topics;
import io.dwb.runtime.KafkaClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone as a user runs it: a separate JVM against the real engine, alerts on standard output, killed and
 * started again on the same data directory (acceptance 1, 2 and 3 of issue 4).
 */
class StandaloneProcessTest {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static TestEngine engine;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void engine() {
        engine = new TestEngine();
    }

    @AfterAll
    static void closeEngine() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void printsTheAlertsOfADockerRunWithinTwoSecondsAndAfterASigkillResumesWithoutLoss() throws Exception {
        String first = TestEngine.uniqueName("standalone-run");
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            // The first event after a JVM start takes the cold path (class loading, JIT, the first transaction):
            // one untimed run first, then the bridge is measured as it runs all day.
            String warmUp = TestEngine.uniqueName("standalone-warm");
            dockerRunTrue(warmUp);
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(warmUp).size() >= 4);
            long since = engine.engineNowNanos();
            dockerRunTrue(first);
            List<JsonNode> events = engineEventsOf(first, since);
            assertThat(events).extracting(e -> e.path("Action").asText())
                    .contains("create", "start", "die", "destroy");
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(first).size() >= events.size());

            List<AlertWatch.Seen> alerts = watch.alertsFor(first);
            // The seed's format: {"integration":"docker","docker":<the engine's event, unchanged>, ...}.
            assertThat(alerts).extracting(s -> s.alert().get("docker")).containsExactlyElementsOf(events);
            ContractSchemas schemas = new ContractSchemas();
            Map<String, Duration> delays = new java.util.LinkedHashMap<>();
            for (AlertWatch.Seen s : alerts) {
                assertThat(s.alert().path("integration").asText()).isEqualTo("docker");
                assertThat(schemas.validateAlert(s.alert())).isEmpty();
                delays.put(s.alert().path("docker").path("Action").asText(), Duration.ofNanos(
                        s.seenAtEpochNanos() - s.alert().path("docker").path("timeNano").asLong()));
            }
            assertThat(delays.values()).as("from each event to its alert on standard output: %s", delays)
                    .allMatch(d -> d.compareTo(Duration.ofSeconds(2)) < 0);
            // Once the forwarder committed what it delivered, kill it without warning.
            awaitDeliveryCommitted(first);
            process.kill();
        }

        String whileDown = TestEngine.uniqueName("standalone-down");
        long since = engine.engineNowNanos();
        dockerRunTrue(whileDown);
        List<JsonNode> missed = engineEventsOf(whileDown, since);
        assertThat(missed).isNotEmpty();

        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            watch.assertResumedWithoutLoss(whileDown, missed, START_TIMEOUT);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void sigtermCommitsAndStopsWithExitZeroAndTheNextStartRepeatsNothing() throws Exception {
        String name = TestEngine.uniqueName("standalone-term");
        List<JsonNode> events;
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            dockerRunTrue(name);
            events = engineEventsOf(name, since);
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(name).size() >= events.size());
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
            assertThat(process.output()).contains("stopped");
        }
        String after = TestEngine.uniqueName("standalone-after");
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            dockerRunTrue(after);
            List<JsonNode> later = engineEventsOf(after, since);
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(after).size() >= later.size());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> watch.alertsFor(name).isEmpty()); // events delivered before the clean stop
            assertThat(process.output()).contains("resuming from checkpoint");
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void keepsAlertsWhileTheWazuhQueueIsMissingAndDeliversThemOnceItAppears() throws Exception {
        Path queue = dataDir.resolve("queue");
        int metricsPort = io.dwb.schemas.testing.FreePorts.outsideTheEphemeralRange();
        String name = TestEngine.uniqueName("standalone-nowazuh");
        try (JavaProcess process = JavaProcess.start(Main.class, Map.of("DOCKER_HOST", dockerHost()),
                "--data-dir", dataDir.resolve("data").toString(), "--kafka-port", "0",
                "--wazuh-queue", queue.toString(), "--metrics-port", String.valueOf(metricsPort))) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            dockerRunTrue(name);
            List<JsonNode> events = engineEventsOf(name, since);
            await().atMost(Duration.ofSeconds(60)).until(() -> process.output().contains("paused"));
            // Paused for Wazuh, not broken: /healthz stays 200 (a restart would not help), the metric says paused.
            assertThat(http(metricsPort, "/healthz").statusCode()).isEqualTo(200);
            assertThat(http(metricsPort, "/metrics").body()).contains("dwb_forwarder_paused 1");

            try (DatagramReceiver wazuh = DatagramReceiver.bind(queue)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> alertsFor(wazuh, name).size() >= events.size());
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                        .until(() -> alertsFor(wazuh, name).size() == events.size());
                assertThat(alertsFor(wazuh, name)).extracting(a -> a.get("docker"))
                        .containsExactlyElementsOf(events);
                assertThat(http(metricsPort, "/metrics").body())
                        .contains("dwb_listener_events_published_total")
                        .contains("dwb_forwarder_alerts_sent_total")
                        .contains("dwb_forwarder_paused 0")
                        .as("the Kafka clients of both stages, served once in one process")
                        .contains("kafka_producer_record_send_total{client=\"listener\"",
                                "kafka_producer_record_send_total{client=\"dead-letters\"",
                                "kafka_consumer_fetch_manager_records_consumed_total{client=\"forwarder\"",
                                "dwb_listener_publish_latency_seconds_count",
                                "dwb_forwarder_delivery_latency_seconds_count");
                assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
    }

    @Test
    void onlyClientsWithTheGeneratedCredentialsReachItsBrokerAndARestartKeepsThem() throws Exception {
        Path clientProperties = dataDir.resolve(EmbeddedKafka.CLIENT_PROPERTIES);
        Path credentials = dataDir.resolve(BrokerCredentials.FILE_NAME);
        String name = TestEngine.uniqueName("standalone-secure");
        String generated;
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            dockerRunTrue(name);
            List<JsonNode> events = engineEventsOf(name, since);
            // Its own listener and forwarder log in: the events still reach Wazuh's side.
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(name).size() >= events.size());

            Properties operator = load(clientProperties);
            assertAnonymousRefused(operator.getProperty("bootstrap.servers"));
            assertThat(eventsOnTheBroker(operator, name)).hasSize(events.size());
            assertThat(Files.getPosixFilePermissions(dataDir)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.getPosixFilePermissions(credentials))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(Files.getPosixFilePermissions(clientProperties))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            generated = Files.readString(credentials);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
        try (JavaProcess process = start()) {
            awaitSubscribed(process, 1);
            assertThat(Files.readString(credentials)).as("the same credentials after a restart").isEqualTo(generated);
            Properties operator = load(clientProperties);
            assertThat(eventsOnTheBroker(operator, name)).as("events stored before the restart").isNotEmpty();
            assertAnonymousRefused(operator.getProperty("bootstrap.servers"));
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    /** A client as anyone on the host could start it, without credentials: it cannot even list the topics. */
    private static void assertAnonymousRefused(String bootstrapServers) {
        Properties anonymous = new Properties();
        anonymous.setProperty("bootstrap.servers", bootstrapServers);
        anonymous.setProperty("default.api.timeout.ms", "5000");
        anonymous.setProperty("request.timeout.ms", "3000");
        try (Admin admin = Admin.create(anonymous)) {
            assertThatThrownBy(() -> admin.listTopics().names().get())
                    .as("an anonymous client listing the topics of %s", bootstrapServers)
                    .isInstanceOf(ExecutionException.class);
        }
    }

    private static Properties load(Path file) throws Exception {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
        }
        return p;
    }

    /** Waits until the forwarder's group committed past the last event about container {@code name}. */
    private void awaitDeliveryCommitted(String name) throws Exception {
        Properties client = load(dataDir.resolve(EmbeddedKafka.CLIENT_PROPERTIES));
        long last = recordsOnTheBroker(client, name).stream().mapToLong(ConsumerRecord::offset).max().orElseThrow();
        TopicPartition partition = new TopicPartition(Topics.EVENTS, 0);
        try (Admin admin = Admin.create(client)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets(ForwarderCommand.DEFAULT_GROUP)
                        .partitionsToOffsetAndMetadata().get().get(partition);
                return committed != null && committed.offset() > last;
            });
        }
    }

    /** The committed records of docker-events about container {@code name}, read with {@code client}. */
    private static List<String> eventsOnTheBroker(Properties client, String name) {
        return recordsOnTheBroker(client, name).stream().map(ConsumerRecord::value).toList();
    }

    private static List<ConsumerRecord<String, String>> recordsOnTheBroker(Properties client, String name) {
        Properties p = KafkaClientConfig.with(client, new Properties());
        p.setProperty("isolation.level", "read_committed");
        TopicPartition partition = new TopicPartition(Topics.EVENTS, 0);
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() != null && r.value().contains("\"" + name + "\"")) {
                        found.add(r);
                    }
                }
                return consumer.position(partition) >= end;
            });
        }
        return found;
    }

    @Test
    void withoutTheWazuhQueueAlertsWaitForItInsteadOfGoingToStandardOutput() throws Exception {
        Path defaultQueue = Path.of(DeliveryOptions.DEFAULT_WAZUH_QUEUE);
        assertThat(defaultQueue).as("a host without Wazuh: the default queue socket is missing").doesNotExist();
        Path data = dataDir.resolve("data");
        String name = TestEngine.uniqueName("standalone-nosocket");
        List<JsonNode> events;
        try (JavaProcess process = JavaProcess.start(Main.class, Map.of("DOCKER_HOST", dockerHost()),
                "--data-dir", data.toString(), "--kafka-port", "0");
                AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            assertThat(process.output()).contains("alerts to " + defaultQueue + " (not there yet");
            long since = engine.engineNowNanos();
            dockerRunTrue(name);
            events = engineEventsOf(name, since);
            await().atMost(Duration.ofSeconds(60)).until(() -> process.output().contains("paused: "));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> watch.alertsFor(name).isEmpty() && process.isAlive());
            assertThat(process.output().split("paused: ", -1)).as("one line says it waits").hasSize(2);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
        // Nothing was committed while it waited: once Wazuh's socket is there, every alert reaches it.
        Path queue = dataDir.resolve("queue");
        try (DatagramReceiver wazuh = DatagramReceiver.bind(queue);
                JavaProcess process = JavaProcess.start(Main.class, Map.of("DOCKER_HOST", dockerHost()),
                        "--data-dir", data.toString(), "--kafka-port", "0", "--wazuh-queue", queue.toString())) {
            await().atMost(START_TIMEOUT).until(() -> alertsFor(wazuh, name).size() >= events.size());
            assertThat(alertsFor(wazuh, name)).extracting(a -> a.get("docker")).containsExactlyElementsOf(events);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void aContainerOfThreeHundredLabelsKeepsItsNameImageAndTimeWithinTheFieldsWazuhDecodes() throws Exception {
        String name = TestEngine.uniqueName("standalone-labels");
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            // Labels anyone who may create a container chooses; the engine writes them sorted, before image and name.
            List<String> create = new ArrayList<>(List.of("docker", "create", "--network", "none", "--name", name));
            for (int i = 0; i < 300; i++) {
                create.addAll(List.of("--label", "com.example.label-" + i + "=v"));
            }
            create.addAll(List.of(TestEngine.BUSYBOX, "true"));
            docker(create);
            docker(List.of("docker", "rm", name));
            List<JsonNode> events = engineEventsOf(name, since);
            assertThat(events).extracting(e -> e.path("Action").asText()).containsExactly("create", "destroy");
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(name).size() >= events.size());

            for (AlertWatch.Seen seen : watch.alertsFor(name)) {
                // Before: 256 fields into the alert Wazuh's JSON decoder stopped among the labels.
                assertThat(WazuhJsonFields.decoded(seen.alert())).contains("docker_host.id",
                        "docker.Action", "docker.Actor.Attributes.name", "docker.Actor.Attributes.image",
                        "docker.timeNano");
                // The labels past those 256 fields are left out, not dropped by analysisd with an ERROR line each.
                assertThat(WazuhJsonFields.count(seen.alert())).isLessThanOrEqualTo(
                        WazuhJsonFields.DECODER_ORDER_SIZE);
                assertThat(seen.alert().path("truncated").asBoolean()).isTrue();
            }
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void aContainerLabelledNameOrImageInCapitalsIsNamedInWazuhByItsOwnNameAndImage() throws Exception {
        String name = TestEngine.uniqueName("standalone-lookalike");
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process, 1);
            long since = engine.engineNowNanos();
            // Wazuh's field lookup ignores case and takes the first match; the engine writes these labels first.
            docker(List.of("docker", "create", "--network", "none", "--name", name, "--label", "Name=trusted-web",
                    "--label", "IMAGE=nginx:official", "--label", "Name.x=1", TestEngine.BUSYBOX, "true"));
            docker(List.of("docker", "rm", name));
            List<JsonNode> events = engineEventsOf(name, since);
            assertThat(events).extracting(e -> e.path("Action").asText()).containsExactly("create", "destroy");
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.alertsFor(name).size() >= events.size());

            for (AlertWatch.Seen seen : watch.alertsFor(name)) {
                // Before: "trusted-web" and "nginx:official", in every rule, description and alerts.json.
                assertThat(WazuhJsonFields.find(seen.alert(), "docker.Actor.Attributes.name")).contains(name);
                assertThat(WazuhJsonFields.find(seen.alert(), "docker.Actor.Attributes.image"))
                        .contains(TestEngine.BUSYBOX);
            }
            assertThat(watch.alertsFor(name)).extracting(s -> s.alert().get("docker"))
                    .as("every label still in the alert").containsExactlyElementsOf(events);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void anErrorInAWorkerThreadEndsTheProcessWithExitOneAndOneErrorLine() throws Exception {
        try (JavaProcess process = JavaProcess.start(ForwarderErrorMain.class, Map.of("DOCKER_HOST", dockerHost()),
                "--data-dir", dataDir.toString(), "--kafka-port", "0", "--wazuh-queue", "-")) {
            assertThat(process.waitFor(START_TIMEOUT)).as(process.output()).isEqualTo(1);
            assertThat(process.output().lines().filter(line -> line.startsWith("error: ")))
                    .containsExactly("error: the forwarder failed: java.lang.NoClassDefFoundError: "
                            + "io/dwb/forwarder/AlertFormatter");
            // The listener was stopped and the broker closed, not left to the JVM's end.
            assertThat(process.output()).contains("stopped");
        }
    }

    private static java.net.http.HttpResponse<String> http(int port, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** Alerts about container {@code name} among the datagrams ({@code 1:Wazuh-Docker:<alert>}). */
    private static List<JsonNode> alertsFor(DatagramReceiver wazuh, String name) throws Exception {
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode alert : wazuh.alerts()) {
            if (name.equals(alert.path("docker").path("Actor").path("Attributes").path("name").asText(null))) {
                alerts.add(alert);
            }
        }
        return alerts;
    }

    @Test
    void withoutAnEngineOneLineSaysWhereItLookedAndHowToPointElsewhere() throws Exception {
        try (JavaProcess process = JavaProcess.start(Main.class, Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
                "--data-dir", dataDir.toString(), "--kafka-port", "0")) {
            assertThat(process.waitFor(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(process.output().strip().lines().toList()).singleElement().asString()
                    .startsWith("error: ")
                    .contains("unix:///nonexistent/docker.sock")
                    .contains("DOCKER_HOST")
                    .contains("--docker-host");
        }
    }

    private JavaProcess start() throws Exception {
        return JavaProcess.start(Main.class, Map.of("DOCKER_HOST", dockerHost()),
                "--data-dir", dataDir.toString(), "--kafka-port", "0", "--wazuh-queue", "-");
    }

    private static String dockerHost() {
        String host = System.getenv("DOCKER_HOST");
        return host == null ? "unix:///var/run/docker.sock" : host;
    }

    /** Waits until the listener has subscribed {@code times} times in this process's life. */
    private static void awaitSubscribed(JavaProcess process, int times) {
        await().atMost(START_TIMEOUT).until(() -> {
            assertThat(process.isAlive()).as("standalone still running; output:%n%s", process.output()).isTrue();
            return process.output().split("subscribed to GET /events", -1).length - 1 >= times;
        });
    }

    /** {@code docker run --rm --network none --name NAME local/busybox:1 true}, with the real CLI. */
    private static void dockerRunTrue(String name) throws Exception {
        docker(List.of("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name", name,
                TestEngine.BUSYBOX, "true"));
    }

    /** Runs the real CLI; it must succeed within a minute. */
    private static void docker(List<String> command) throws Exception {
        Process run = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(new String(run.getInputStream().readAllBytes())).isZero();
    }

    /** The engine's own record of the container's events (create ... destroy), in engine order. */
    private static List<JsonNode> engineEventsOf(String name, long sinceNanos) throws Exception {
        long until = engine.engineNowNanos() + 1_000_000_000L;
        List<JsonNode> own = new ArrayList<>();
        for (JsonNode e : engine.events(sinceNanos, until)) {
            if (name.equals(e.path("Actor").path("Attributes").path("name").asText(null))) {
                own.add(e);
            }
        }
        return own;
    }
}
