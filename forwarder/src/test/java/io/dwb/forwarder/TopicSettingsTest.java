package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An administrator changes the events topic's settings while the fleet runs: {@code cleanup.policy=compact} lets the
 * log cleaner delete every event of a host but its last before a forwarder reads it. The listeners check the topic
 * at their start only (where they refuse it, exit 2: the fleet's capture stops host by host at its restarts), and the
 * forwarder never did: nothing said it. The same of the dead-letter topic, which each forwarder checks at its start
 * (where a compacted one is refused: delivery stops forwarder by forwarder). The forwarder now reads both again every
 * {@code --topic-check-interval} (1 s here): one ERROR line once, the metric while it stands, an INFO line when it is
 * put back; delivery goes on meanwhile.
 */
@ExtendWith(SharedKafka.class)
class TopicSettingsTest {
    private static final String PROBLEM = "dwb_forwarder_topic_problem";

    @TempDir
    Path dir;

    @Test
    void aSettingChangedWhileRunningThatLosesEventsIsSaidOnceCountedWhileItStandsAndSaidAgainWhenPutBack(
            SharedKafka.Broker broker) throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("settings");
        // As a listener creates it: no problem at start
        broker.createTopic(topic, 1, TopicSpec.events(topic, 1,
                DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION), -1).configs());
        TestRecords.awaitLeaders(broker, topic);
        String letters = topic + "-dlq"; // ForwarderRun's --dlq-topic, as a forwarder creates it
        broker.createTopic(letters, 1, TopicSpec.deadLetters(letters, 1,
                DurationArgument.parse(TopicSpec.DEFAULT_DLQ_RETENTION)).configs());
        try (LogLines logged = LogLines.of(TopicSettingsWatch.class).attach();
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             Admin admin = broker.admin();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--topic-check-interval", "1s")) {
            long now = System.currentTimeMillis() * 1_000_000L;
            producer.send(TestRecords.event(topic, "web-1", "WEB1", TestRecords.containerEvent("first", now))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);
            assertThat(lines(logged, "cleanup.policy")).as("nothing wrong at start").isEmpty();
            assertThat(problems(run)).isEmpty();

            set(admin, topic, "cleanup.policy", "compact");
            await().atMost(Duration.ofSeconds(20)).until(() -> !lines(logged, "cleanup.policy").isEmpty());
            assertThat(lines(logged, "cleanup.policy")).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getFormattedMessage()).startsWith("topic " + topic + " has cleanup.policy=compact but "
                        + "needs cleanup.policy=delete").contains("kafka-configs.sh --alter --entity-type topics "
                        + "--entity-name " + topic, "a listener that starts now refuses the topic and exits 2");
            });
            assertThat(problems(run)).containsExactly(Map.entry(topic + "/cleanup.policy/refusal", 1.0));
            producer.send(TestRecords.event(topic, "web-1", "WEB1", TestRecords.containerEvent("second", now + 1)))
                    .get();
            await("delivery goes on").atMost(Duration.ofSeconds(20)).until(() -> receiver.count() == 2);
            await("said once").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> lines(logged, "cleanup.policy").size() == 1);

            set(admin, topic, "unclean.leader.election.enable", "true");
            await().atMost(Duration.ofSeconds(20)).until(() -> !lines(logged, "unclean.leader").isEmpty());
            assertThat(lines(logged, "unclean.leader")).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("unclean.leader.election.enable=true");
            });
            assertThat(problems(run)).containsOnly(Map.entry(topic + "/cleanup.policy/refusal", 1.0),
                    Map.entry(topic + "/unclean.leader.election.enable/warning", 1.0));

            set(admin, letters, "cleanup.policy", "compact");
            await().atMost(Duration.ofSeconds(20)).until(() -> !lines(logged, "topic " + letters + " has").isEmpty());
            assertThat(lines(logged, "topic " + letters + " has")).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getFormattedMessage()).contains("cleanup.policy=compact",
                        "a forwarder that starts now refuses the topic and exits 2");
            });
            assertThat(problems(run)).containsEntry(letters + "/cleanup.policy/refusal", 1.0).hasSize(3);

            set(admin, topic, "cleanup.policy", "delete");
            set(admin, topic, "unclean.leader.election.enable", "false");
            set(admin, letters, "cleanup.policy", "delete");
            await().atMost(Duration.ofSeconds(20)).until(() -> problems(run).isEmpty());
            assertThat(lines(logged, "is as wanted again")).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactlyInAnyOrder("topic " + topic + ": cleanup.policy is as wanted again",
                            "topic " + topic + ": unclean.leader.election.enable is as wanted again",
                            "topic " + letters + ": cleanup.policy is as wanted again");
            assertThat(lines(logged, "is as wanted again")).allSatisfy(e ->
                    assertThat(e.getLevel()).isEqualTo(Level.INFO));
            run.assertAlive();
        }
    }

    /**
     * A setting of the dead-letter topic that a forwarder's start warns of (its check before delivery) is said once:
     * the watch's first reading, a moment later, said it again.
     */
    @Test
    void aWarningOfTheDeadLetterTopicAtStartIsSaidOnce(SharedKafka.Broker broker) throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("settings-start");
        broker.createTopic(topic, 1, TopicSpec.events(topic, 1,
                DurationArgument.parse(TopicSpec.DEFAULT_EVENTS_RETENTION), -1).configs());
        String letters = topic + "-dlq";
        Map<String, String> lettersSettings = new HashMap<>(TopicSpec.deadLetters(letters, 1,
                DurationArgument.parse(TopicSpec.DEFAULT_DLQ_RETENTION)).configs());
        lettersSettings.put("unclean.leader.election.enable", "true");
        broker.createTopic(letters, 1, lettersSettings);
        TestRecords.awaitLeaders(broker, topic);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic,
                     "--dlq-topic", letters, "--wazuh-queue", receiver.path().toString(),
                     "--topic-check-interval", "1s"))) {
            producer.send(TestRecords.event(topic, "web-1", "WEB1",
                    TestRecords.containerEvent("first", System.currentTimeMillis() * 1_000_000L))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1 || !forwarder.isAlive());
            // The watch reads at its start, then every second: three readings at least after delivery began
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(forwarder::isAlive);
            assertThat(forwarder.output().lines().filter(l -> l.contains("unclean.leader.election.enable=true")))
                    .as(forwarder.output()).singleElement().asString().contains("WARN", "topic " + letters);
            assertThat(forwarder.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    private static void set(Admin admin, String topic, String setting, String value) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(setting, value),
                AlterConfigOp.OpType.SET)))).all().get();
    }

    private static List<ILoggingEvent> lines(LogLines logged, String text) {
        return logged.events().stream().filter(e -> e.getFormattedMessage().contains(text)).toList();
    }

    /** The metric's series: "topic/setting/severity" to value. */
    private static Map<String, Double> problems(ForwarderRun run) {
        for (MetricSnapshot s : run.metrics().registry().scrape()) {
            if (s.getMetadata().getPrometheusName().equals(PROBLEM)) {
                return ((GaugeSnapshot) s).getDataPoints().stream().collect(Collectors.toMap(
                        d -> d.getLabels().get("topic") + "/" + d.getLabels().get("setting") + "/"
                                + d.getLabels().get("severity"),
                        GaugeSnapshot.GaugeDataPointSnapshot::getValue));
            }
        }
        throw new AssertionError("no metric " + PROBLEM);
    }
}
