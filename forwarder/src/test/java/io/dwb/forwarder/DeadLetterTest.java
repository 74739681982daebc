package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.StandIn;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 5: invalid records go to the dead-letter topic with their reason; the valid ones around them flow. */
@ExtendWith(SharedKafka.class)
class DeadLetterTest {
    private static final String HOST = "host-dlq";
    private static final String HOST_ID = "host-dlq-id";
    private static final int EACH = 100;

    @TempDir
    Path dir;

    /** Each kind of invalid record, by the reason code its error header must start with. */
    private static Map<String, Function<Integer, byte[]>> invalidValues() {
        Map<String, Function<Integer, byte[]>> kinds = new LinkedHashMap<>();
        kinds.put("not-json", i -> ("{\"Type\":\"container\",broken " + i).getBytes(StandardCharsets.UTF_8));
        kinds.put("not-object", i -> ("[" + i + ",2]").getBytes(StandardCharsets.UTF_8));
        kinds.put("missing-field: Type", i -> without("Type", i));
        kinds.put("missing-field: Action", i -> without("Action", i));
        kinds.put("missing-field: timeNano", i -> without("timeNano", i));
        kinds.put("invalid-field: Type", i -> ContractJson.write(valid(i).put("Type", 7)));
        kinds.put("bad-utf8", i -> {
            byte[] v = ContractJson.write(valid(i).put("Action", "start-XX"));
            int at = new String(v, StandardCharsets.ISO_8859_1).indexOf("XX");
            v[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte: malformed
            return v;
        });
        kinds.put("too-large", i -> {
            byte[] v = new byte[StandIn.MAX_VALUE_BYTES + 10];
            Arrays.fill(v, (byte) ' ');
            v[0] = '{';
            v[v.length - 1] = '}';
            return v;
        });
        kinds.put("too-many-fields", i -> { // past Wazuh's 256 without any label: analysisd logs an ERROR each
            ObjectNode event = valid(i);
            ObjectNode other = event.putObject("x");
            for (int field = 0; field < 1_000; field++) {
                other.put("f" + field, "");
            }
            return ContractJson.write(event);
        });
        kinds.put("empty", i -> null);
        return kinds;
    }

    private static ObjectNode valid(int i) {
        return TestRecords.containerEvent("dlq-" + i, 1_700_000_000_000_000_000L + i);
    }

    private static byte[] without(String field, int i) {
        ObjectNode event = valid(i);
        event.remove(field);
        return ContractJson.write(event);
    }


    @Test
    void everyInvalidRecordIsDeadLetteredWithItsReasonAndEveryValidOneDelivered(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "dlq", 1);
        String dlq = topic + "-dlq";
        broker.createTopic(dlq, 1, Map.of("retention.ms", "-1", "max.message.bytes", String.valueOf(4 << 20)));
        Map<String, Function<Integer, byte[]>> kinds = invalidValues();

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> validIds = new ArrayList<>();
        List<String> expectedReasons = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < EACH; i++) {
            for (Map.Entry<String, Function<Integer, byte[]>> kind : kinds.entrySet()) {
                ObjectNode event = valid(n++);
                validIds.add(EventId.of(HOST_ID, event));
                records.add(TestRecords.event(topic, HOST, HOST_ID, event));
                records.add(TestRecords.event(topic, HOST, HOST_ID, kind.getValue().apply(n), null, 1_000L));
                expectedReasons.add(kind.getKey());
            }
            // An unknown kind, and a gap record that does not match its schema.
            records.add(withKind(topic, "mystery", ContractJson.write(valid(n))));
            expectedReasons.add("unknown-kind");
            records.add(withKind(topic, "gap", "{\"from\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)));
            expectedReasons.add("invalid-gap");
        }
        ObjectNode last = valid(n++);
        validIds.add(EventId.of(HOST_ID, last));
        records.add(TestRecords.event(topic, HOST, HOST_ID, last));

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker);
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofMinutes(3)).until(() -> receiver.deliveredCount() >= validIds.size()
                    && run.metrics().deadLetteredTotal() >= expectedReasons.size());
            run.assertAlive();

            List<String> deliveredIds = receiver.deliveredAlerts().stream()
                    .map(a -> EventId.of(a.path("docker_host").path("id").asText(), a.get("docker"))).toList();
            assertThat(deliveredIds).containsExactlyElementsOf(validIds);

            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(dlq);
            assertThat(dead).hasSize(expectedReasons.size());
            Map<Long, ProducerRecord<byte[], byte[]>> sourceByOffset = new LinkedHashMap<>();
            List<ConsumerRecord<byte[], byte[]>> source = broker.readAll(topic);
            for (int i = 0; i < dead.size(); i++) {
                ConsumerRecord<byte[], byte[]> d = dead.get(i);
                assertThat(HeaderNames.read(d.headers(), HeaderNames.ERROR)).startsWith(expectedReasons.get(i));
                assertThat(HeaderNames.read(d.headers(), HeaderNames.SOURCE_TOPIC)).isEqualTo(topic);
                assertThat(HeaderNames.read(d.headers(), HeaderNames.SOURCE_PARTITION)).isEqualTo("0");
                long offset = Long.parseLong(HeaderNames.read(d.headers(), HeaderNames.SOURCE_OFFSET));
                ConsumerRecord<byte[], byte[]> original = source.get((int) offset);
                assertThat(d.value()).as("value unchanged").isEqualTo(original.value());
                assertThat(HeaderNames.read(d.headers(), HeaderNames.KIND))
                        .isEqualTo(HeaderNames.read(original.headers(), HeaderNames.KIND));
            }
            assertThat(run.metrics().deadLetteredTotal()).isEqualTo(expectedReasons.size());
            // Wazuh is told: an alert for each reason and record kind at its first letters (the later ones of the
            // minute in one alert a minute after: DeliveryLoopTest counts them).
            Map<String, Long> letters = new java.util.TreeMap<>();
            for (String reason : expectedReasons) {
                letters.merge(reason.split(":")[0], 1L, Long::sum);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.deadLetterNotices().size()
                    >= letters.size());
            Map<String, Long> said = new java.util.TreeMap<>();
            receiver.deadLetterNotices().forEach(a -> said.merge(a.path("docker_bridge").path("reason").asText(),
                    a.path("docker_bridge").path("records").asLong(), Long::sum));
            assertThat(said.keySet()).isEqualTo(letters.keySet());
            said.forEach((reason, count) -> assertThat(count).as(reason).isBetween(1L, letters.get(reason)));
            // Still running and delivering after all that.
            ObjectNode after = valid(n);
            producer.send(TestRecords.event(topic, HOST, HOST_ID, after)).get();
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.deliveredCount() == validIds.size() + 1);
            run.assertAlive();
            await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    == records.size() + 1);
        }
    }

    private static ProducerRecord<byte[], byte[]> withKind(String topic, String kind, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HeaderNames.HOST, HeaderNames.utf8(HOST));
        headers.add(HeaderNames.HOST_ID, HeaderNames.utf8(HOST_ID));
        headers.add(HeaderNames.KIND, HeaderNames.utf8(kind));
        return new ProducerRecord<>(topic, null, 1_000L, HeaderNames.utf8(HOST_ID), value, headers);
    }
}
