package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values the forwarder acts on are range-checked: a forged heartbeat, an inverted gap, an event from before 2000, a
 * record whose host-id header and key disagree, numbers Jackson cannot hold go to the dead-letter topic with their
 * reason, the forwarder goes on delivering after them, and the forged heartbeat raises no {@code silent-host} (its
 * interval, times three in nanoseconds, used to overflow).
 */
@ExtendWith(SharedKafka.class)
class RecordsThatLieTest {
    private static final long NOW = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void recordsWithImpossibleValuesAreDeadLetteredWithTheirReason(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "lie", 1);
        String hugeExponent = "\"x\":1e38650953348902859";
        ProducerRecord<byte[], byte[]> otherHost = TestRecords.event(topic, "h", "h-id",
                TestRecords.containerEvent("forged-host", NOW + 3));
        otherHost.headers().remove(HeaderNames.HOST_ID).add(HeaderNames.HOST_ID, HeaderNames.utf8("someone-else"));
        // A host-id header without a value: the key stands for the host id, so its length counts too.
        ProducerRecord<byte[], byte[]> valuelessId = TestRecords.bridge(topic, "h", "k".repeat(300_000), "heartbeat",
                ContractJson.write(new Heartbeat(ContractJson.rfc3339(NOW), NOW, 30, true, null)));
        valuelessId.headers().remove(HeaderNames.HOST_ID).add(HeaderNames.HOST_ID, null);
        List<ProducerRecord<byte[], byte[]>> records = List.of(
                TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("first", NOW)),
                heartbeat(topic, new Heartbeat(ContractJson.rfc3339(NOW), NOW, Long.MAX_VALUE / 1_000_000, true,
                        null)),
                heartbeat(topic, new Heartbeat("1969-12-31T23:59:59Z", -1_000_000_000L, 30, true, null)),
                TestRecords.bridge(topic, "h", "h-id", "gap", ContractJson.write(new Gap(
                        ContractJson.rfc3339(NOW), ContractJson.rfc3339(NOW - 1), NOW, NOW - 1, "queue-overflow",
                        "inverted", null))),
                TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("ancient", 1_000_000_000L)),
                otherHost,
                // Numbers whose exponent is beyond an int: Jackson has no BigDecimal for them (the tree is read
                // for every non-event record, for an event without its event-id header, and for a value that is
                // not an object).
                heartbeatWith(topic, hugeExponent),
                TestRecords.event(topic, "h", "h-id", TestRecords.withField(ContractJson.write(
                        TestRecords.containerEvent("no-id", NOW + 5)), hugeExponent), null, NOW / 1_000_000L),
                TestRecords.event(topic, "h", "h-id", ("[" + hugeExponent.split(":")[1] + "]")
                        .getBytes(StandardCharsets.UTF_8), "an-id", NOW / 1_000_000L),
                // A state whose 100,000 containers each break its schema: a message each, 17 times the record.
                TestRecords.bridge(topic, "h", "h-id", "state", ("{\"time\":\"" + ContractJson.rfc3339(NOW)
                        + "\",\"timeNano\":" + NOW + ",\"containers\":[" + "{},".repeat(99_999) + "{}]}")
                        .getBytes(StandardCharsets.UTF_8)),
                // Host names and ids longer than any host has: kept per host by the silent-host watch.
                TestRecords.bridge(topic, "h".repeat(300_000), "h-id", "heartbeat", ContractJson.write(
                        new Heartbeat(ContractJson.rfc3339(NOW), NOW, 30, true, null))),
                TestRecords.event(topic, "h", "i".repeat(257), TestRecords.containerEvent("long-id", NOW + 6)),
                valuelessId,
                TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("last", NOW + 4)));
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 2
                    && TestRecords.committedTotal(broker, "g-" + topic) == records.size());
            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR).split(":")[0])
                    .containsExactly("invalid-heartbeat", "invalid-heartbeat", "out-of-range", "out-of-range",
                            "host-mismatch", "too-complex", "too-complex", "too-complex", "invalid-state",
                            "invalid-host", "invalid-host", "invalid-host");
            assertThat(HeaderNames.read(dead.get(0).headers(), HeaderNames.ERROR)).contains("intervalSeconds");
            // Nothing else comes: no silent-host from the forged interval, no alert of the refused records' content
            // (only the bridge's word that they were dead-lettered).
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.deliveredCount() == 2);
            assertThat(receiver.deliveredAlerts()).extracting(a -> a.path("docker").path("Actor").path("Attributes")
                    .path("name").asText()).containsExactly("first", "last");
            run.assertAlive();
        }
    }

    private static ProducerRecord<byte[], byte[]> heartbeatWith(String topic, String field) {
        return TestRecords.bridge(topic, "h", "h-id", "heartbeat", TestRecords.withField(ContractJson.write(
                new Heartbeat(ContractJson.rfc3339(NOW), NOW, 30, true, null)), field));
    }

    private static ProducerRecord<byte[], byte[]> heartbeat(String topic, Heartbeat heartbeat) {
        return TestRecords.bridge(topic, "h", "h-id", "heartbeat", ContractJson.write(heartbeat));
    }
}
