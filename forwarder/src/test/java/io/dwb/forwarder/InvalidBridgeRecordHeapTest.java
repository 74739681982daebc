package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.testing.JavaProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A gap, heartbeat or state record that breaks its schema everywhere is dead-lettered within the forwarder's own heap
 * (its launcher's flags, -Xmx72m). The validator made a message for every violation, sorted and joined them all
 * before the detail was cut to 1,000 characters: a 300 KB state of 100,000 {@code {}} containers (a few KB
 * compressed, from any writer of the events topic) ran the heap out, exit 3, at the same offset at every restart
 * (a hostile-input audit; {@code RecordsThatLieTest} sends that record, but to a forwarder in the test JVM's heap).
 */
class InvalidBridgeRecordHeapTest {
    private static final long NOW = 1_790_000_000_000_000_000L;

    @Test
    void bridgeRecordsBreakingTheirSchemaEverywhereAreRefusedWithinTheForwardersHeap() throws Exception {
        try (JavaProcess process = JavaProcess.start(ClassifiesHostileRecords.class,
                JavaProcess.launcherFlags("forwarder"), Map.of(), List.of())) {
            int status = process.waitFor(Duration.ofSeconds(120));
            assertThat(status).as("exit status; output:%n%s", process.output()).isZero();
            assertThat(process.output()).contains("state: invalid-state", "gap: invalid-gap",
                    "heartbeat: invalid-heartbeat");
        }
    }

    /** Classifies each record in a JVM of the forwarder's heap; prints each one's dead-letter reason. */
    static final class ClassifiesHostileRecords {
        public static void main(String[] args) {
            RecordClassifier classifier = new RecordClassifier(new ContractSchemas());
            String time = "\"time\":\"" + ContractJson.rfc3339(NOW) + "\",\"timeNano\":" + NOW;
            Map<String, String> values = Map.of(
                    "state", "{" + time + ",\"containers\":[" + "{},".repeat(99_999) + "{}]}",
                    "gap", "{\"fromNano\":" + NOW + ",\"toNano\":" + NOW + ",\"reason\":[" + "1,".repeat(499_999)
                            + "1]}",
                    "heartbeat", "{" + time + ",\"intervalSeconds\":[" + "{},".repeat(99_999) + "{}]}");
            for (Map.Entry<String, String> v : values.entrySet()) {
                ProducerRecord<byte[], byte[]> p = TestRecords.bridge("events", "h", "h-id", v.getKey(),
                        v.getValue().getBytes(StandardCharsets.UTF_8));
                ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(p.topic(), 0, 0, p.timestamp(),
                        TimestampType.CREATE_TIME, p.key().length, p.value().length, p.key(), p.value(), p.headers(),
                        java.util.Optional.empty());
                Classified c = classifier.classify(record);
                System.out.println(v.getKey() + ": " + (c instanceof Classified.Invalid i ? i.reason().code()
                        + " (" + i.detail().length() + " characters)" : c.getClass().getSimpleName()));
            }
        }
    }
}
