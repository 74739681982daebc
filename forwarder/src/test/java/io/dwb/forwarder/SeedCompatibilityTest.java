package io.dwb.forwarder;

import static io.dwb.forwarder.TestRecords.alerts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance 1 and 2: what reaches Wazuh is what the seed's docker-listener wodle sent for the same event
 * ({@code {"integration":"docker","docker":<event>}}), plus {@code docker_host}; the legacy-field shim adds
 * exactly what the engine used to add, and only where it must.
 */
@ExtendWith(SharedKafka.class)
class SeedCompatibilityTest {
    private static final String HOST = "host-a";
    private static final String HOST_ID = "7TRN:IPZB:QYBB:VPBQ:UWS4:CW6K:UMOB:CBJ4:7MFV:XBHQ:HVQD:5TYF";
    private static final List<JsonNode> RECORDED = TestRecords.ndjson("engine-events-api-1.45.ndjson");

    @TempDir
    Path dir;

    /** What DockerListener.py sends for an event: {"integration": "docker", "docker": event}. */
    private static ObjectNode seedWodle(JsonNode event) {
        ObjectNode alert = ContractJson.MAPPER.createObjectNode().put("integration", "docker");
        alert.set("docker", event);
        return alert;
    }

    private static ObjectNode withoutHost(ObjectNode alert) {
        ObjectNode copy = alert.deepCopy();
        copy.remove("docker_host");
        return copy;
    }

    private List<ObjectNode> deliver(SharedKafka.Broker broker, List<ProducerRecord<byte[], byte[]>> records,
                                     String topic, String... options) throws Exception {
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve(topic));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     options)) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofSeconds(90)).until(() -> receiver.count() >= records.size());
            // nothing more than one datagram per record may arrive
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(300));
            assertThat(receiver.count()).isEqualTo(records.size());
            run.assertAlive();
            return alerts(receiver.datagrams());
        }
    }

    private List<ProducerRecord<byte[], byte[]>> recordsOf(String topic, List<JsonNode> events) {
        return events.stream().map(e -> TestRecords.event(topic, HOST, HOST_ID, e)).toList();
    }

    @Test
    void theSeedsFourExampleAlertsComeOutAsTheWodleSentThem(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "seed", 1);
        List<JsonNode> seedAlerts = TestRecords.ndjson("seed-alerts.ndjson");
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (JsonNode seedAlert : seedAlerts) {
            // The docker member byte for byte as Python's json.dumps wrote it (with its spaces): spliced as it is.
            byte[] value = pythonDumps(seedAlert.get("docker")).getBytes(StandardCharsets.UTF_8);
            records.add(TestRecords.event(topic, HOST, HOST_ID, value, null, 1538650953348L));
        }
        List<ObjectNode> alerts = deliver(broker, records, topic);
        for (int i = 0; i < seedAlerts.size(); i++) {
            assertThat(withoutHost(alerts.get(i))).isEqualTo(seedAlerts.get(i));
            assertThat(alerts.get(i).get("docker_host"))
                    .isEqualTo(ContractJson.MAPPER.createObjectNode().put("name", HOST).put("id", HOST_ID));
        }
    }

    @Test
    void recordedEventsOfEveryTypeBecomeExactlyTheWodlesAlert(SharedKafka.Broker broker) throws Exception {
        Map<String, Integer> perType = new TreeMap<>();
        RECORDED.forEach(e -> perType.merge(e.get("Type").asText(), 1, Integer::sum));
        assertThat(perType).containsOnlyKeys("builder", "config", "container", "daemon", "image", "network", "node",
                "plugin", "secret", "service", "volume");
        assertThat(perType.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(30));

        String topic = TestRecords.topic(broker, "recorded", 1);
        List<ObjectNode> alerts = deliver(broker, recordsOf(topic, RECORDED), topic);
        for (int i = 0; i < RECORDED.size(); i++) {
            // API 1.45 events already carry status/id/from where the engine put them: auto adds nothing.
            assertThat(withoutHost(alerts.get(i))).isEqualTo(seedWodle(RECORDED.get(i)));
            assertThat(alerts.get(i).path("docker_host").path("name").asText()).isEqualTo(HOST);
        }
    }

    @Test
    void engine29EventsGetTheLegacyFieldsTheEngineUsedToFillOnlyOnContainersAndImages(SharedKafka.Broker broker)
            throws Exception {
        List<JsonNode> engine29 = RECORDED.stream().map(e -> (JsonNode) stripLegacy(e)).toList();

        String auto = TestRecords.topic(broker, "auto", 1);
        List<ObjectNode> alerts = deliver(broker, recordsOf(auto, engine29), auto);
        for (int i = 0; i < RECORDED.size(); i++) {
            JsonNode recorded = RECORDED.get(i);
            String type = recorded.get("Type").asText();
            JsonNode expected = type.equals("container") || type.equals("image") ? recorded : engine29.get(i);
            assertThat(alerts.get(i).get("docker")).as("auto, %s %s", type, recorded.get("Action"))
                    .isEqualTo(expected);
        }
        assertThat(alerts.stream().filter(a -> a.get("docker").has("status")).count())
                .isEqualTo(RECORDED.stream().filter(e -> e.has("status")).count()).isPositive();

        String never = TestRecords.topic(broker, "never", 1);
        List<ObjectNode> untouched = deliver(broker, recordsOf(never, engine29), never, "--legacy-fields", "never");
        for (int i = 0; i < engine29.size(); i++) {
            assertThat(untouched.get(i).get("docker")).isEqualTo(engine29.get(i));
        }
    }

    @Test
    void autoLeavesPartialLegacyFieldsAloneWhileAlwaysFillsTheMissingOnes(SharedKafka.Broker broker)
            throws Exception {
        JsonNode container = RECORDED.stream().filter(e -> e.get("Type").asText().equals("container")).findFirst()
                .orElseThrow();
        ObjectNode partial = stripLegacy(container);
        partial.put("status", container.get("status").asText()); // a producer that kept only status

        String auto = TestRecords.topic(broker, "partial-auto", 1);
        assertThat(deliver(broker, recordsOf(auto, List.of(partial)), auto).get(0).get("docker"))
                .isEqualTo(partial);

        String always = TestRecords.topic(broker, "partial-always", 1);
        assertThat(deliver(broker, recordsOf(always, List.of(partial)), always, "--legacy-fields", "always")
                .get(0).get("docker")).isEqualTo(container);
    }

    @Test
    void recordsOfOtherProducersAreDeliveredWithWhatIsKnownOfTheirHost(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "foreign", 1);
        JsonNode event = RECORDED.get(0);
        byte[] value = ContractJson.write(event);
        List<ProducerRecord<byte[], byte[]>> records = List.of(
                new ProducerRecord<>(topic, null, value),                                   // no key, no headers
                new ProducerRecord<>(topic, HeaderNames.utf8("engine-42"), value));         // key only
        List<ObjectNode> alerts = deliver(broker, records, topic, "--dedup-window", "0");
        assertThat(alerts.get(0)).isEqualTo(seedWodle(event));
        assertThat(alerts.get(1).get("docker_host"))
                .isEqualTo(ContractJson.MAPPER.createObjectNode().put("id", "engine-42"));
        assertThat(withoutHost(alerts.get(1))).isEqualTo(seedWodle(event));
    }

    private static ObjectNode stripLegacy(JsonNode event) {
        ObjectNode copy = (ObjectNode) event.deepCopy();
        copy.remove(List.of("status", "id", "from"));
        return copy;
    }

    /** json.dumps(obj) with Python's default separators (", " and ": "); enough for the seed's flat events. */
    private static String pythonDumps(JsonNode node) throws Exception {
        if (node.isObject()) {
            List<String> members = new ArrayList<>();
            var it = node.fields();
            while (it.hasNext()) {
                var f = it.next();
                members.add(ContractJson.MAPPER.writeValueAsString(f.getKey()) + ": " + pythonDumps(f.getValue()));
            }
            return "{" + String.join(", ", members) + "}";
        }
        return ContractJson.MAPPER.writeValueAsString(node);
    }
}
