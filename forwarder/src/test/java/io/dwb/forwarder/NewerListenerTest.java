package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.StateSnapshot;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet upgrades one host at a time, so listeners newer than the forwarders write to the events topic. The
 * forwarder refused every field it did not know: a listener that added one to its heartbeats had them all
 * dead-lettered ({@code invalid-heartbeat}), and every forwarder not yet upgraded reported its host silent. Now what a
 * newer listener adds (a field, a gap reason) is delivered without what the forwarder does not know, said once and
 * counted; a record whose {@code contract-version} says its shape changed is dead-lettered whole, naming the upgrade.
 */
@ExtendWith(SharedKafka.class)
class NewerListenerTest {
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s
    private static final String NEW_FIELD = "\"engineVersion\":\"30.0.1\"";

    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines logged = LogLines.of(NewerListenerReport.class);

    @Test
    void whatANewerListenerAddsIsDeliveredWithoutItAndAChangedShapeIsDeadLetteredWhole(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "newer-listener", 1);
        long now = System.currentTimeMillis() * 1_000_000L;
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            // Both hosts' listeners as they were before their upgrade: heard by the silent-host watch.
            for (String id : List.of("HOST-0", "HOST-1")) {
                producer.send(TestRecords.bridge(topic, id.toLowerCase(), id, "heartbeat", ContractJson.write(
                        new Heartbeat(ContractJson.rfc3339(now), now, INTERVAL_SECONDS, true, null)))).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic) >= 2);

            ProducerRecord<byte[], byte[]> changedEvent = TestRecords.event(topic, "host-0", "HOST-0",
                    TestRecords.containerEvent("changed-shape", now + 2));
            changedEvent.headers().add(HeaderNames.CONTRACT_VERSION, HeaderNames.utf8("2"));
            ProducerRecord<byte[], byte[]> currentEvent = TestRecords.event(topic, "host-0", "HOST-0",
                    TestRecords.containerEvent("current", now + 3));
            currentEvent.headers().add(HeaderNames.CONTRACT_VERSION, HeaderNames.utf8("1"));
            // Then upgraded, each writes a field in its heartbeats that this forwarder does not know.
            try (HeartbeatingHosts upgraded = HeartbeatingHosts.start(topic, 2, INTERVAL_SECONDS, () -> producer,
                    value -> TestRecords.withField(value, NEW_FIELD))) {
                TestRecords.sendAll(producer, List.of(
                        gap(topic, "engine-paused", NEW_FIELD),
                        TestRecords.bridge(topic, "host-0", "HOST-0", "state", TestRecords.withField(ContractJson.write(
                                new StateSnapshot(ContractJson.rfc3339(now), now, ContractJson.MAPPER
                                        .createArrayNode().add(ContractJson.MAPPER.createObjectNode()
                                                .put("Id", "c1")))), NEW_FIELD)),
                        changedEvent,
                        gap(topic, "Engine paused: see <http://x>", null),
                        currentEvent));

                // Past three intervals of the upgraded listeners' heartbeats: no host is reported silent.
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 3);
                await().during(Duration.ofSeconds(3 * INTERVAL_SECONDS + 2)).atMost(Duration.ofSeconds(30))
                        .until(() -> receiver.deliveredCount() == 3);
            }
            List<ObjectNode> alerts = receiver.deliveredAlerts();
            // The two records dead-lettered are said in Wazuh, each with its reason.
            assertThat(receiver.deadLetterNotices()).extracting(a -> a.path("docker_bridge").path("reason").asText()
                    + " " + a.path("docker_bridge").path("recordKind").asText())
                    .containsExactlyInAnyOrder("newer-contract event", "invalid-gap gap");
            assertThat(alerts).extracting(NewerListenerTest::what)
                    .containsExactly("gap", "state", "current");
            JsonNode gap = alerts.get(0).path("docker_bridge");
            assertThat(gap.path("reason").asText()).isEqualTo("engine-paused");
            assertThat(gap.has("engineVersion")).as("a field this forwarder does not know reaches no alert").isFalse();
            assertThat(alerts.get(1).path("docker_bridge").has("engineVersion")).isFalse();
            assertThat(alerts.get(1).path("docker_bridge").path("containers").get(0).path("Id").asText())
                    .isEqualTo("c1");

            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR_REASON))
                    .as("the changed shape kept whole; a reason that is no code refused as before")
                    .containsExactly("newer-contract", "invalid-gap");
            assertThat(HeaderNames.read(dead.get(0).headers(), HeaderNames.ERROR_MESSAGE))
                    .startsWith("contract-version '2', and this forwarder reads up to 1: ")
                    .contains("upgrade the forwarders");
            assertThat(dead.get(0).value()).isEqualTo(changedEvent.value());

            Map<String, Long> newer = run.metrics().newerByKind();
            assertThat(newer).containsEntry("gap", 1L).containsEntry("state", 1L);
            assertThat(newer.get("heartbeat")).isGreaterThanOrEqualTo(4L);
            String heartbeatLine = logged.messages().stream().filter(line -> line.startsWith("heartbeat"))
                    .findFirst().orElseThrow();
            assertThat(logged.lines()).containsExactlyInAnyOrder(
                    "INFO gap records carry field 'engineVersion', which this forwarder does not know (host host-0: "
                            + "a listener newer than this forwarder): left out of their alerts until the forwarders "
                            + "are upgraded",
                    "WARN a gap of host host-0 has reason 'engine-paused', which this forwarder does not know (a "
                            + "listener newer than it): delivered as a gap with that reason; upgrade the forwarders "
                            + "to know it",
                    "INFO state records carry field 'engineVersion', which this forwarder does not know (host "
                            + "host-0: a listener newer than this forwarder): left out of their alerts until the "
                            + "forwarders are upgraded",
                    "INFO " + heartbeatLine);
            assertThat(heartbeatLine).matches("heartbeat records carry field 'engineVersion', which this forwarder "
                    + "does not know \\(host host-[01]: a listener newer than this forwarder\\): left out of their "
                    + "alerts until the forwarders are upgraded");
            run.assertAlive();
        }
    }

    private static ProducerRecord<byte[], byte[]> gap(String topic, String reason, String extraField) {
        long to = System.currentTimeMillis() * 1_000_000L;
        byte[] value = ContractJson.write(new Gap(ContractJson.rfc3339(to - 5_000_000_000L), ContractJson.rfc3339(to),
                to - 5_000_000_000L, to, reason, "the engine was paused", null));
        return TestRecords.bridge(topic, "host-0", "HOST-0", "gap", extraField == null ? value
                : TestRecords.withField(value, extraField));
    }

    private static String what(JsonNode alert) {
        return alert.has("docker_bridge") ? alert.path("docker_bridge").path("event").asText()
                : alert.path("docker").path("Actor").path("Attributes").path("name").asText();
    }
}
