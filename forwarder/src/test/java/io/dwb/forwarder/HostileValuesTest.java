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
}
