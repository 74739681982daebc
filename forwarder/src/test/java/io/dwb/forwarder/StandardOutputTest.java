package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code --wazuh-queue -}: one alert JSON a line on standard output, logs elsewhere; SIGTERM exits 0. */
@ExtendWith(SharedKafka.class)
class StandardOutputTest {

    @Test
    void alertsArePrintedOneALineWithoutTheQueuePrefix(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "stdout", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode event = TestRecords.containerEvent("out-" + i, 1_764_000_000_000_000_000L + i);
            events.add(event);
            // Odd ones as Engine 29 sends them (no status/id/from): the forwarder adds the legacy fields back.
            records.add(TestRecords.event(topic, "h", "h-id",
                    i % 2 == 0 ? event : event.deepCopy().without(List.of("status", "id", "from"))));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), "--bootstrap-servers",
                     broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic, "--wazuh-queue", "-", "--max-live-age", "0")) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofSeconds(60)).until(() -> alertLines(forwarder).size() >= 5);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            List<String> lines = alertLines(forwarder);
            assertThat(lines).hasSize(5);
            for (int i = 0; i < 5; i++) {
                JsonNode alert = AlertJson.ofLine(lines.get(i));
                assertThat(TestRecords.SCHEMAS.validateAlert(alert)).isEmpty();
                assertThat(alert.get("docker")).isEqualTo(events.get(i));
            }
            assertThat(TestRecords.committedTotal(broker, "g-" + topic)).isEqualTo(5);
        }
    }

    /** Standard output and error are interleaved in the process log; alerts are the lines that are JSON. */
    private static List<String> alertLines(JavaProcess process) {
        return Arrays.stream(process.output().split("\n")).filter(l -> l.startsWith("{\"integration\""))
                .toList();
    }
}
