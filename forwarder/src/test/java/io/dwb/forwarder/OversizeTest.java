package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.WazuhJsonFields;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 6: no datagram over what Wazuh takes (65,341 bytes: wazuh-agentd's bound less the origin the manager's
 * remoted writes before it); huge labels are trimmed and the alert says so, as it does for the listener's stand-in
 * of an event longer than Kafka takes.
 */
@ExtendWith(SharedKafka.class)
class OversizeTest {
    @TempDir
    Path dir;

    @Test
    void aTwoHundredKilobyteEventBecomesOneTrimmedDatagramAndAnUntrimmableOneIsDeadLettered(
            SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "oversize", 1);
        ObjectNode huge = TestRecords.containerEvent("big-labels", 1_764_000_000_000_000_001L);
        ObjectNode attributes = (ObjectNode) huge.path("Actor").path("Attributes");
        attributes.put("com.example.blob", "x".repeat(120_000));
        attributes.put("com.example.notes", "é".repeat(40_000)); // two bytes each in UTF-8
        attributes.put("com.example.small", "kept as it is");
        assertThat(ContractJson.write(huge).length).isGreaterThan(200_000);

        ObjectNode untrimmable = TestRecords.containerEvent("big-body", 1_764_000_000_000_000_002L);
        untrimmable.put("payload", "y".repeat(70_000)); // not an attribute: nothing the trimmer may touch
        ObjectNode normal = TestRecords.containerEvent("normal", 1_764_000_000_000_000_003L);
        // What the listener publishes for an event over Kafka's limit (listener's EventSplitter).
        ObjectNode standIn = (ObjectNode) ContractJson.tree(("{\"Type\":\"container\",\"Action\":\"create\","
                + "\"Actor\":{\"ID\":\"stand-in\",\"Attributes\":{\"image\":\"evil/miner\",\"name\":\"miner\"}},"
                + "\"time\":1764000000,\"timeNano\":1764000000000000004,"
                + "\"truncated\":true,\"originalSize\":1100321}").getBytes(java.nio.charset.StandardCharsets.UTF_8));

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id", huge),
                    TestRecords.event(topic, "h", "h-id", untrimmable), TestRecords.event(topic, "h", "h-id", normal),
                    TestRecords.event(topic, "h", "h-id", standIn)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 3
                    && run.metrics().deadLetteredTotal() >= 1);

            byte[] datagram = receiver.deliveredDatagrams().get(0);
            assertThat(datagram.length).isLessThanOrEqualTo(DatagramReceiver.AGENT_MAX_MESSAGE).isGreaterThan(60_000);
            ObjectNode alert = TestRecords.alert(datagram);
            // Through an agent of the longest name and address, the manager's remoted keeps it whole.
            String atTheManager = DatagramReceiver.asRemotedForwardsIt(datagram,
                    DatagramReceiver.LONGEST_AGENT_ORIGIN);
            String afterOrigin = "->" + new String(datagram, java.nio.charset.StandardCharsets.UTF_8).substring(2);
            assertThat(atTheManager).endsWith(afterOrigin);
            assertThat(alert.get("truncated").asBoolean()).isTrue();
            ObjectNode sent = (ObjectNode) alert.get("docker");
            assertThat(sent.path("Actor").path("Attributes").path("com.example.small").asText())
                    .isEqualTo("kept as it is");
            assertThat(sent.path("Actor").path("Attributes").path("com.example.blob").asText())
                    .hasSizeLessThan(120_000).matches("x*");
            ObjectNode withoutAttributes = sent.deepCopy();
            ObjectNode original = huge.deepCopy();
            ((ObjectNode) withoutAttributes.get("Actor")).remove("Attributes");
            ((ObjectNode) original.get("Actor")).remove("Attributes");
            assertThat(withoutAttributes).isEqualTo(original);

            ObjectNode second = TestRecords.alert(receiver.deliveredDatagrams().get(1));
            assertThat(second.get("docker")).isEqualTo(normal);
            assertThat(second.has("truncated")).isFalse();

            ObjectNode third = TestRecords.alert(receiver.deliveredDatagrams().get(2));
            ObjectNode sentStandIn = ((ObjectNode) third.get("docker")).deepCopy();
            // The legacy fields, added as to any Engine 29 event: from is the image the stand-in kept.
            assertThat(sentStandIn.path("from").asText()).isEqualTo("evil/miner");
            sentStandIn.remove(List.of("status", "id", "from"));
            assertThat(sentStandIn).isEqualTo(standIn);
            assertThat(third.get("truncated").asBoolean()).as("rule 110104 fires for a stand-in too").isTrue();
            assertThat(run.metrics().truncatedTotal()).isEqualTo(2);

            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).hasSize(1);
            assertThat(HeaderNames.read(dead.get(0).headers(), HeaderNames.ERROR)).startsWith("too-large-after-trim");
            assertThat(dead.get(0).value()).isEqualTo(ContractJson.write(untrimmable));
        }
    }

    @Test
    void aCommandLineOfFortyThousandCharactersIsStillAnExecAlertWithItsStart(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "oversize-exec", 1);
        // Engine 29's form (no status): the default shim copies the Action into status, so it is there twice.
        String command = "exec_start: sh -c " + "x".repeat(40_000) + "; id";
        ObjectNode exec = TestRecords.containerEvent("web", 1_764_000_000_000_000_001L);
        exec.remove(List.of("status", "id", "from"));
        exec.put("Action", command);
        ((ObjectNode) exec.path("Actor").path("Attributes")).put("execID", "e1");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id", exec)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 1
                    || run.metrics().deadLetteredTotal() >= 1);
            assertThat(run.metrics().deadLetteredTotal()).as("before: too-large-after-trim, no alert at all")
                    .isZero();
            byte[] datagram = receiver.deliveredDatagrams().get(0);
            assertThat(datagram.length).isLessThanOrEqualTo(DatagramReceiver.AGENT_MAX_MESSAGE);
            ObjectNode alert = TestRecords.alert(datagram);
            assertThat(alert.get("truncated").asBoolean()).isTrue();
            ObjectNode sent = (ObjectNode) alert.get("docker");
            // Rule 87907 (Command launched in container) matches "^exec_start: " on Action, or status before 4.14.4.
            assertThat(sent.get("Action").asText()).startsWith("exec_start: sh -c xxx").hasSizeLessThan(5_000);
            assertThat(sent.get("status").asText()).isEqualTo(sent.get("Action").asText());
            assertThat(sent.path("Actor").path("Attributes").path("name").asText()).isEqualTo("web");
        }
    }

    @Test
    void aContainersThreeHundredLabelsLeaveItsHostWithinTheFieldsWazuhDecodes(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "oversize-fields", 1);
        ObjectNode labelled = TestRecords.containerEvent("labelled", 1_764_000_000_000_000_001L);
        // As the engine writes them: sorted by name, so the labels come before image and name.
        java.util.TreeMap<String, String> attributes = new java.util.TreeMap<>(Map.of("image", "local/busybox:1",
                "name", "labelled"));
        for (int i = 0; i < 300; i++) {
            attributes.put("com.example.label-" + i, "v");
        }
        ObjectNode sorted = ((ObjectNode) labelled.path("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id", labelled)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 1);
            ObjectNode alert = TestRecords.alert(receiver.deliveredDatagrams().get(0));
            List<String> decoded = WazuhJsonFields.decoded(alert);
            // Before: docker_host came after the event's 300 labels, past the 256 fields Wazuh keeps; and so did
            // the container's name and image, which every docker rule's description shows, and the event's time.
            assertThat(decoded).contains("integration", "docker_host.name", "docker_host.id", "docker.Action",
                    "docker.status", "docker.Actor.Attributes.name", "docker.Actor.Attributes.image",
                    "docker.timeNano", "docker.scope");
            // The labels past Wazuh's 256 fields are left out here, not by analysisd with an ERROR line each.
            assertThat(WazuhJsonFields.count(alert)).isEqualTo(WazuhJsonFields.DECODER_ORDER_SIZE);
            assertThat(alert.path("truncated").asBoolean()).isTrue();
        }
    }
}
