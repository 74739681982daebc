package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.StateSnapshot;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The listener's gap, heartbeat and state records become docker_bridge alerts; silent hosts raise one. */
@ExtendWith(SharedKafka.class)
class BridgeAlertsTest {
    @TempDir
    Path dir;

    @Test
    void gapHeartbeatAndStateRecordsBecomeDockerBridgeAlertsAndASilentHostIsReportedOnce(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "bridge", 1);
        long now = ContractJson.epochNanos(java.time.Instant.now());
        Gap gap = new Gap(ContractJson.rfc3339(now - 60_000_000_000L), ContractJson.rfc3339(now),
                now - 60_000_000_000L, now, "engine-restarted", "the engine restarted; its events were not kept",
                null);
        Heartbeat heartbeat = new Heartbeat(ContractJson.rfc3339(now), now, 1, true, now - 5);
        ArrayNode containers = ContractJson.MAPPER.createArrayNode();
        for (int i = 0; i < 2_000; i++) { // far more than one datagram holds: trimmed, with a count
            containers.addObject().put("Id", "%064d".formatted(i)).put("Image", "local/busybox:1")
                    .put("State", "running").putArray("Names").add("/container-" + i);
        }
        StateSnapshot state = new StateSnapshot(ContractJson.rfc3339(now), now, containers);

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, List.of(
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "heartbeat", ContractJson.write(heartbeat)),
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "gap", ContractJson.write(gap)),
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "state", ContractJson.write(state))));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 4);
            Thread.sleep(4_000); // several more intervals: still only one silent-host alert
            List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
            assertThat(alerts).hasSize(4);
            for (ObjectNode alert : alerts) {
                assertThat(alert.get("integration").asText()).isEqualTo("docker");
                assertThat(alert.has("docker")).isFalse();
                assertThat(alert.get("docker_host"))
                        .isEqualTo(ContractJson.MAPPER.createObjectNode().put("name", "quiet-host").put("id", "quiet-id"));
            }
            assertThat(alerts.get(0).get("docker_bridge").get("event").asText()).isEqualTo("heartbeat");
            JsonNode gapAlert = alerts.get(1).get("docker_bridge");
            assertThat(gapAlert.get("event").asText()).isEqualTo("gap");
            ObjectNode expectedGap = (ObjectNode) ContractJson.tree(ContractJson.write(gap));
            expectedGap.put("event", "gap");
            assertThat(gapAlert).isEqualTo(expectedGap.get("event").isNull() ? null : reorder(expectedGap, gapAlert));

            ObjectNode stateAlert = alerts.get(2);
            assertThat(stateAlert.get("docker_bridge").get("event").asText()).isEqualTo("state");
            assertThat(stateAlert.get("truncated").asBoolean()).isTrue();
            int kept = stateAlert.get("docker_bridge").get("containers").size();
            assertThat(kept).isPositive();
            assertThat(stateAlert.get("docker_bridge").get("containersOmitted").asInt()).isEqualTo(2_000 - kept);
            assertThat(receiver.datagrams().get(2).length).isLessThanOrEqualTo(65535);

            JsonNode silent = alerts.get(3).get("docker_bridge");
            assertThat(silent.get("event").asText()).isEqualTo("silent-host");
            assertThat(silent.get("intervalSeconds").asLong()).isEqualTo(1);
            assertThat(silent.get("silentSeconds").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(silent.get("lastHeartbeatNano").asLong()).isEqualTo(now);

            // Heard again: the watch re-arms, and a new silence is reported again.
            producer.send(TestRecords.bridge(topic, "quiet-host", "quiet-id", "heartbeat",
                    ContractJson.write(heartbeat))).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= 6);
            assertThat(TestRecords.alert(receiver.datagrams().get(5)).get("docker_bridge").get("event").asText())
                    .isEqualTo("silent-host");
            run.assertAlive();
        }
    }

    /** The gap's own fields, in whatever order the alert has them: equality of JSON objects ignores order. */
    private static JsonNode reorder(ObjectNode expected, JsonNode actual) {
        return expected;
    }
}
