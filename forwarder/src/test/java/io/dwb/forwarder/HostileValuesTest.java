package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/security.md, containers: whoever starts a container chooses its name and labels, which become alert fields.
 * A value made to look like the end of one alert and the start of another stays a value: one datagram, one alert,
 * no raw line break, the text unchanged inside the JSON.
 */
@ExtendWith(SharedKafka.class)
class HostileValuesTest {
    private static final String FORGED = "x\n1:Wazuh-Docker:{\"integration\":\"docker\",\"forged\":true}\r\n\u0000";

    @TempDir
    Path dir;

    @Test
    void aLabelThatLooksLikeAnotherAlertArrivesAsOneAlertHoldingThatText(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "hostile", 1);
        ObjectNode event = TestRecords.containerEvent("web\n1:Wazuh-Docker:forged",
                System.currentTimeMillis() * 1_000_000L);
        ((ObjectNode) event.path("Actor").path("Attributes")).put("com.example.note", FORGED);
        // Pretty-printed, as another producer might write it: line breaks between tokens, too.
        byte[] pretty = io.dwb.schemas.ContractJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(event);
        assertThat(new String(pretty, StandardCharsets.UTF_8)).contains("\n");
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, wazuh.path().toString())) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "host-a", "host-a-id", pretty,
                    "hostile-1", System.currentTimeMillis())));
            await().atMost(Duration.ofSeconds(60)).until(() -> wazuh.count() >= 1);
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> wazuh.count() == 1);

            byte[] datagram = wazuh.datagrams().get(0);
            assertThat(datagram).doesNotContain((byte) '\n', (byte) '\r', (byte) 0);
            ObjectNode alert = TestRecords.alert(datagram);
            assertThat(alert.has("forged")).isFalse();
            assertThat(alert.path("docker").path("Actor").path("Attributes").path("com.example.note").asText())
                    .isEqualTo(FORGED);
            assertThat(alert.path("docker").path("Actor").path("Attributes").path("name").asText())
                    .isEqualTo("web\n1:Wazuh-Docker:forged");
            run.assertAlive();
        }
    }

    @Test
    void aLoneSurrogateEscapedByAWriterOfTheTopicIsADeadLetterNotAnAlertWazuhRefuses(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "surrogates", 1);
        String u = "\\" + "u"; // a backslash-u escape, kept apart from javac's own reading of them
        long t = System.currentTimeMillis() * 1_000_000L;
        // A label, then the actor's id (with the legacy shim copying it: its encoder threw, a format-error), then an
        // escaped pair (an emoji): only the last is text.
        String inLabel = event("c1", "x" + u + "d800y", t);
        String inId = event(u + "dc00", "plain", t + 1);
        String pair = event("c3", u + "d83d" + u + "de00", t + 2);
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue-surrogates"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, wazuh.path().toString())) {
            long now = System.currentTimeMillis();
            TestRecords.sendAll(producer, List.of(
                    TestRecords.event(topic, "h", "h-id", inLabel.getBytes(StandardCharsets.UTF_8), "s-1", now),
                    TestRecords.event(topic, "h", "h-id", inId.getBytes(StandardCharsets.UTF_8), "s-2", now),
                    TestRecords.event(topic, "h", "h-id", pair.getBytes(StandardCharsets.UTF_8), "s-3", now)));
            await().atMost(Duration.ofSeconds(60)).until(() -> wazuh.count() >= 1
                    && run.metrics().deadLetteredTotal() >= 2);
            assertThat(TestRecords.alerts(wazuh.datagrams())).singleElement().satisfies(a -> assertThat(
                    a.path("docker").path("Actor").path("Attributes").path("note").asText()).isEqualTo("\uD83D\uDE00"));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> dead =
                    broker.readAll(topic + "-dlq");
            assertThat(dead).hasSize(2).allSatisfy(d -> assertThat(io.dwb.schemas.HeaderNames.read(d.headers(),
                    io.dwb.schemas.HeaderNames.ERROR)).startsWith("bad-utf8"));
            run.assertAlive();
        }
    }

    private static String event(String id, String note, long timeNano) {
        return "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{\"name\":\"web\",\"note\":\"" + note + "\"}},\"scope\":\"local\",\"time\":"
                + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}";
    }
}
