package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forwarder formats a run of events before sending them back to back: whatever the run holds (the same event
 * published twice in a row, a record that is not an event, garbage), the datagrams come in topic order, once each.
 */
@ExtendWith(SharedKafka.class)
class DeliveryOrderTest {
    private static final long T0 = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aRunOfEventsIsDeliveredInTopicOrderOnceEachWhateverItHolds(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "delivery-order", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ProducerRecord<byte[], byte[]> event = TestRecords.event(topic, "h", "h-id",
                    TestRecords.containerEvent("c" + i, T0 + i));
            records.add(event);
            expected.add("c" + i);
            if (i % 7 == 3) {
                records.add(event); // published twice in a row (a listener's resume overlap): one datagram
            }
            if (i % 50 == 25) {
                records.add(TestRecords.event(topic, "h", "h-id", "not json".getBytes(StandardCharsets.UTF_8),
                        "garbage-" + i, System.currentTimeMillis()));
            }
        }
        int repeated = (int) IntStream.range(0, 300).filter(i -> i % 7 == 3).count();

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.sendAll(producer, records);
            // The dead letters' notice too (the loop sends what is due once a second): come after the others, on a
            // loaded machine, it was taken for a datagram too many.
            await().atMost(Duration.ofSeconds(60)).until(() -> run.metrics().consumedTotal() >= records.size()
                    && receiver.count() >= expected.size() + 1 && run.metrics().deadLetteredTotal() >= 6);
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(500)); // a duplicate would arrive by now

            List<String> names = new ArrayList<>();
            List<JsonNode> notices = new ArrayList<>();
            for (JsonNode alert : TestRecords.alerts(receiver.datagrams())) {
                if (alert.has("docker_bridge")) {
                    notices.add(alert);
                    continue;
                }
                names.add(alert.path("docker").path("Actor").path("Attributes").path("name").asText());
            }
            assertThat(notices).as("the dead letters said in Wazuh").isNotEmpty().allSatisfy(n ->
                    assertThat(n.path("docker_bridge").path("event").asText()).isEqualTo("records-dead-lettered"));
            assertThat(names).isEqualTo(expected);
            assertThat(run.metrics().duplicatesTotal()).isEqualTo(repeated);
            assertThat(run.metrics().deadLetteredTotal()).isEqualTo(6);
        }
    }
}
