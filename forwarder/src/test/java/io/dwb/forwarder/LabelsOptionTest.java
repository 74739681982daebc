package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --labels}: each label key anyone gives a container becomes a field of Wazuh's indexer, whose daily mapping
 * takes 10,000; a forwarder can keep only the labels its rules and dashboards use. The engine's own attributes for the
 * event's Type and Action stay (a die's exitCode), events of other types are as the engine wrote them, and the default
 * keeps every label, as the stock wodle did. Which keys of which event are the engine's: {@link LabelFilterTest}.
 */
@ExtendWith(SharedKafka.class)
class LabelsOptionTest {
    private static final long T = 1_764_000_000_000_000_001L;

    @TempDir
    Path dir;

    @Test
    void onlyTheLabelsNamedGoIntoAlertsAndTheEnginesOwnAttributesStay(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "labels", 1);
        ObjectNode died = container("web-1", Map.of("com.docker.compose.project", "shop",
                "com.docker.compose.service", "web", "team", "payments", "x-chosen-by-anyone-1", "v",
                "exitCode", "137"));
        died.put("status", "die").put("Action", "die");
        ObjectNode network = TestRecords.containerEvent("ignored", T + 1);
        network.put("Type", "network").put("Action", "connect").remove(List.of("status", "id", "from"));
        ((ObjectNode) network.path("Actor")).putObject("Attributes").put("container", "c0ffee").put("name", "bridge")
                .put("type", "bridge").put("x-chosen-by-anyone-2", "v");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--labels", "com.docker.compose.*, team")) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id", died),
                    TestRecords.event(topic, "h", "h-id", network)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 2);

            List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
            assertThat(alerts.get(0).path("docker").path("Actor").path("Attributes").fieldNames()).toIterable()
                    .containsExactlyInAnyOrder("com.docker.compose.project", "com.docker.compose.service", "team",
                            "exitCode", "image", "name");
            assertThat(alerts.get(0).has("truncated")).as("left out by choice, not cut").isFalse();
            assertThat(alerts.get(1).get("docker")).as("a network event: no labels among its attributes")
                    .isEqualTo(network);
            run.assertAlive();
        }
    }

    @Test
    void byDefaultEveryLabelGoesIntoTheAlertAsTheStockWodleSentIt(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "labels-all", 1);
        ObjectNode started = container("web-2", Map.of("team", "payments", "x-chosen-by-anyone-1", "v"));
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "h", "h-id", started)));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 1);
            assertThat(new String(receiver.datagrams().get(0), java.nio.charset.StandardCharsets.UTF_8))
                    .endsWith(",\"docker\":" + new String(ContractJson.write(started),
                            java.nio.charset.StandardCharsets.UTF_8) + "}");
            run.assertAlive();
        }
    }

    /** A container event with these labels and attributes, sorted by name as the engine writes them. */
    private static ObjectNode container(String name, Map<String, String> labels) {
        ObjectNode event = TestRecords.containerEvent(name, T);
        TreeMap<String, String> attributes = new TreeMap<>(labels);
        attributes.put("image", "local/busybox:1");
        attributes.put("name", name);
        ObjectNode sorted = ((ObjectNode) event.path("Actor")).putObject("Attributes");
        attributes.forEach(sorted::put);
        return event;
    }
}
