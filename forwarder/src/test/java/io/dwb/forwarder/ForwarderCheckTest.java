package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code forwarder --check}: one line a check, exit 0 only when all pass; no group joined, no datagram sent. */
@ExtendWith(SharedKafka.class)
class ForwarderCheckTest {
    @TempDir
    Path dir;

    @Test
    void aReadyForwarderIsAllOkAndSendsNothing(SharedKafka.Broker broker) throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("check");
        broker.createTopic(topic, 3, TopicSpec.events(topic, 3, Duration.ofDays(7), -1).configs()); // a listener's
        String group = "g-" + topic;
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue"))) {
            List<String> lines = check(broker, 0, "--topic", topic, "--group", group, "--dlq-topic", topic + "-dlq",
                    "--wazuh-queue", wazuh.path().toString(), "--eps", "300");
            assertThat(lines).containsExactly(
                    "ok    configuration: valid",
                    lines.get(1),
                    "ok    topic " + topic + ": 3 partition(s), replication 1; READ, DESCRIBE allowed",
                    "ok    consumer group " + group + ": " + lines.get(3).substring(lines.get(3).indexOf(": ") + 2),
                    "ok    topic " + topic + "-dlq: missing: created at start (--create-topics true)",
                    "ok    wazuh queue: " + wazuh.path() + ": a reader is listening",
                    "ok    pacing: at most 300 alerts/s (--eps)");
            assertThat(lines.get(1)).startsWith("ok    kafka: 1 broker(s)");
            assertThat(wazuh.texts()).as("no datagram").isEmpty();
        }
        try (Admin admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).doesNotContain(topic + "-dlq");
            assertThat(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get())
                    .as("nothing committed").isEmpty();
        }
    }

    @Test
    void aMissingSocketOrATopicWithoutListenersYetAreSaid(SharedKafka.Broker broker) throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("nolisteners");
        Path notASocket = Files.writeString(dir.resolve("queue-file"), "x");
        List<String> lines = check(broker, 1, "--topic", topic, "--group", "g-" + topic,
                "--dlq-topic", topic + "-dlq", "--wazuh-queue", dir.resolve("missing").toString());
        assertThat(lines).contains("ok    topic " + topic + ": missing: the listeners create it at their first "
                + "start, and the forwarder waits for it");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("FAIL  wazuh queue: " + dir.resolve("missing")
                + " does not exist"));
        List<String> notSocket = check(broker, 1, "--topic", topic, "--wazuh-queue", notASocket.toString());
        assertThat(notSocket).anySatisfy(l -> assertThat(l).isEqualTo("FAIL  wazuh queue: " + notASocket
                + " is not a socket: give Wazuh's queue socket, <home>/queue/sockets/queue"));
    }

    private static List<String> check(SharedKafka.Broker broker, int expectedExit, String... args)
            throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("--check", "--bootstrap-servers",
                broker.bootstrapServers()));
        all.addAll(List.of(args));
        try (JavaProcess p = JavaProcess.start(ForwarderCommand.class, Map.of(), all)) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isEqualTo(expectedExit);
            return Arrays.stream(p.output().split("\\R")).filter(l -> l.startsWith("ok ") || l.startsWith("FAIL "))
                    .toList();
        }
    }
}
