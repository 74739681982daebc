package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
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
 * A failure nobody foresaw while making a record's alert (here: the alerts' owners failing for one host, as a bug in
 * agent attribution would) dead-letters that record with the exception, and delivery goes on: such a failure used to
 * end the delivery loop, and every restart stopped at the same uncommitted record, for every host of its partition.
 * (The same net under classification: {@code DeliveryLoopTest}.)
 */
@ExtendWith(SharedKafka.class)
class UnforeseenFailureTest {
    private static final long NOW = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aRecordWhoseAlertFailsUnforeseenIsDeadLetteredAndTheRestDelivered(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "unforeseen", 1);
        AlertOwners failingForOneHost = host -> {
            if ("buggy".equals(host.name())) {
                throw new IllegalArgumentException("a bug in attribution for " + host.name());
            }
            return AlertOwners.NONE.head(host);
        };
        List<ProducerRecord<byte[], byte[]>> records = List.of(
                TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("first", NOW)),
                TestRecords.event(topic, "buggy", "buggy-id", TestRecords.containerEvent("lost?", NOW + 1)),
                TestRecords.bridge(topic, "buggy", "buggy-id", "gap", ContractJson.write(new Gap(
                        ContractJson.rfc3339(NOW), ContractJson.rfc3339(NOW + 2), NOW, NOW + 2, "queue-overflow",
                        "a window", null))),
                TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("last", NOW + 3)));
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(failingForOneHost, broker.bootstrapServers(), topic,
                     receiver.path().toString())) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() >= 2
                    && TestRecords.committedTotal(broker, "g-" + topic) == records.size());

            assertThat(receiver.deliveredAlerts()).extracting(a -> a.path("docker").path("Actor").path("Attributes")
                    .path("name").asText()).containsExactly("first", "last");
            // Said in Wazuh, without the host whose alerts fail to be made (it ended the forwarder, as it would
            // have each restart).
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.deadLetterNotices().size() == 2);
            assertThat(receiver.deadLetterNotices()).extracting(a -> a.path("docker_bridge").path("reason").asText()
                    + " " + a.path("docker_bridge").path("recordKind").asText() + " " + a.has("docker_host"))
                    .containsExactlyInAnyOrder("format-error event false", "format-error gap false");
            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR_REASON))
                    .containsExactly("format-error", "format-error");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR_STAGE))
                    .containsOnly("format");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR_OFFSET))
                    .containsExactly("1", "2");
            assertThat(HeaderNames.read(dead.get(0).headers(), HeaderNames.ERROR_MESSAGE))
                    .isEqualTo("java.lang.IllegalArgumentException: a bug in attribution for buggy");
            assertThat(dead.get(0).value()).as("the record as it was").isEqualTo(records.get(1).value());
            run.assertAlive();
        }
    }
}
