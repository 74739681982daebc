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
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's gap and state records become docker_bridge alerts; heartbeats only feed silent-host detection
 * (unless --heartbeat-alerts); a host that stopped raises silent-host, and host-back when it speaks again.
 */
@ExtendWith(SharedKafka.class)
class BridgeAlertsTest {
    private static final long S = 1_000_000_000L;

    @TempDir
    Path dir;

    private static byte[] heartbeat(long timeNano) {
        return ContractJson.write(new Heartbeat(ContractJson.rfc3339(timeNano), timeNano, 1, true, timeNano - 5));
    }

    private static List<String> bridgeEvents(DatagramReceiver receiver) {
        return TestRecords.alerts(receiver.datagrams()).stream()
                .map(a -> a.path("docker_bridge").path("event").asText("event")).toList();
    }

    @Test
    void gapAndStateBecomeAlertsHeartbeatsDoNotAndAStoppedHostIsSilentOnceThenBack(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "bridge", 1);
        long now = ContractJson.epochNanos(java.time.Instant.now());
        Gap gap = new Gap(ContractJson.rfc3339(now - 60 * S), ContractJson.rfc3339(now),
                now - 60 * S, now, "engine-restarted", "the engine restarted; its events were not kept",
                null);
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
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "heartbeat", heartbeat(now), now / 1_000_000),
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "gap", ContractJson.write(gap)),
                    TestRecords.bridge(topic, "quiet-host", "quiet-id", "state", ContractJson.write(state))));
            // Caught up, the partition's time runs on: three intervals (1 s) without a heartbeat is silence, once.
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 3);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(30))
                    .until(() -> receiver.count() == 3);
            List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
            assertThat(bridgeEvents(receiver)).containsExactly("gap", "state", "silent-host");
            for (ObjectNode alert : alerts) {
                assertThat(alert.get("integration").asText()).isEqualTo("docker");
                assertThat(alert.has("docker")).isFalse();
                assertThat(alert.get("docker_host")).isEqualTo(
                        ContractJson.MAPPER.createObjectNode().put("name", "quiet-host").put("id", "quiet-id"));
            }
            ObjectNode expectedGap = (ObjectNode) ContractJson.tree(ContractJson.write(gap));
            expectedGap.put("event", "gap");
            assertThat(alerts.get(0).get("docker_bridge")).isEqualTo(expectedGap);

            ObjectNode stateAlert = alerts.get(1);
            assertThat(stateAlert.get("truncated").asBoolean()).isTrue();
            int kept = stateAlert.get("docker_bridge").get("containers").size();
            assertThat(kept).isPositive();
            assertThat(stateAlert.get("docker_bridge").get("containersOmitted").asInt()).isEqualTo(2_000 - kept);
            assertThat(receiver.datagrams().get(1).length).isLessThanOrEqualTo(DatagramReceiver.AGENT_MAX_MESSAGE);

            JsonNode silent = alerts.get(2).get("docker_bridge");
            assertThat(silent.get("intervalSeconds").asLong()).isEqualTo(1);
            assertThat(silent.get("silentSeconds").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(silent.get("lastHeartbeatNano").asLong()).isEqualTo(now);
            assertThat(run.metrics().heartbeatsTotal()).isEqualTo(1);

            // Heard again: host-back says for how long it was silent; the watch re-arms and reports a new silence.
            long later = ContractJson.epochNanos(java.time.Instant.now());
            producer.send(TestRecords.bridge(topic, "quiet-host", "quiet-id", "heartbeat", heartbeat(later),
                    later / 1_000_000)).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= 5);
            assertThat(bridgeEvents(receiver)).containsExactly("gap", "state", "silent-host", "host-back",
                    "silent-host");
            JsonNode back = TestRecords.alert(receiver.datagrams().get(3)).get("docker_bridge");
            assertThat(back.get("lastHeartbeatNano").asLong()).isEqualTo(now);
            assertThat(back.get("heartbeatNano").asLong()).isEqualTo(later);
            assertThat(back.get("silentSeconds").asLong()).isEqualTo((later - now) / S);
            run.assertAlive();
        }
    }

    @Test
    void heartbeatAlertsAskedForAreSent(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "heartbeat-alerts", 1);
        long now = ContractJson.epochNanos(java.time.Instant.now());
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--heartbeat-alerts")) {
            producer.send(TestRecords.bridge(topic, "h", "h-id", "heartbeat", heartbeat(now), now / 1_000_000)).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 1);
            ObjectNode alert = TestRecords.alert(receiver.datagrams().get(0));
            assertThat(alert.get("docker_bridge").get("event").asText()).isEqualTo("heartbeat");
            assertThat(alert.get("docker_bridge").get("timeNano").asLong()).isEqualTo(now);
            run.assertAlive();
        }
    }

    /**
     * A backlog delivered under --eps takes longer than three heartbeat intervals between two heartbeats of a host;
     * judged by the records' times, nobody is silent until everything is delivered. Then the hosts, which did stop,
     * are reported.
     */
    @Test
    void lagUnderPacingRaisesNoSilentHost(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "paced", 1);
        long t0 = ContractJson.epochNanos(java.time.Instant.now()) - 60 * S;
        int perSecond = 2_000; // at --eps 500: 4 s of delivery for each second (interval) of record time
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            long second = t0 + k * S;
            records.add(TestRecords.bridge(topic, "a", "A", "heartbeat", heartbeat(second), second / 1_000_000));
            records.add(TestRecords.bridge(topic, "b", "B", "heartbeat", heartbeat(second), second / 1_000_000));
            for (int j = 0; j < perSecond; j++) {
                long time = second + 1 + j * (S / perSecond);
                records.add(TestRecords.event(topic, "c", "C", TestRecords.containerEvent("busy", time)));
            }
        }
        int events = 4 * perSecond;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--eps", "500")) {
            await().atMost(Duration.ofSeconds(120)).until(() -> receiver.count() >= events + 2);
            List<String> kinds = bridgeEvents(receiver);
            assertThat(kinds.subList(0, events)).as("only events while the backlog is delivered")
                    .containsOnly("event");
            assertThat(kinds.subList(events, kinds.size())).containsExactly("silent-host", "silent-host");
            assertThat(TestRecords.alerts(receiver.datagrams().subList(events, events + 2)))
                    .extracting(a -> a.get("docker_host").get("id").asText()).containsExactlyInAnyOrder("A", "B");
            run.assertAlive();
        }
    }

}
