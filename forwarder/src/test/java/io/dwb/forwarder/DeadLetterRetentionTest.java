package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dead letter stays for the dead-letter topic's retention counted from when it was written, whatever timestamp its
 * record carried. Any producer picks its records' timestamps: a dead letter used to keep its record's, and one
 * stamped long ago (here 1970, and 60 days ago against the topic's 30) made the broker roll a segment for it and
 * delete it at its next retention check: the bad record left no trace. A broker of its own checks retention every
 * second (Kafka's default: every 5 minutes, the first 30 s after its start).
 */
class DeadLetterRetentionTest {
    @TempDir
    Path dir;

    @Test
    void aDeadLetterOfARecordStampedLongAgoOutlivesTheNextRetentionChecks() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker(Map.of(
                "KAFKA_LOG_RETENTION_CHECK_INTERVAL_MS", "1000", "KAFKA_LOG_INITIAL_TASK_DELAY_MS", "0"));
             DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            String topic = TestRecords.topic(broker, "old-stamps", 1);
            long now = System.currentTimeMillis();
            long sixtyDaysAgo = now - Duration.ofDays(60).toMillis();
            List<ProducerRecord<byte[], byte[]>> records = List.of(
                    notJson(topic, 1_000L), notJson(topic, sixtyDaysAgo),
                    TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("last",
                            now * 1_000_000L)));
            try (ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic,
                    receiver.path().toString())) {
                TestRecords.sendAll(producer, records);
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.deliveredCount() == 1
                        && TestRecords.committedTotal(broker, "g-" + topic) == records.size());
                run.assertAlive();
            }

            // Several retention checks later, both are there, stamped when written, their own time in a header.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(20))
                    .until(() -> broker.readAll(topic + "-dlq").size() == 2);
            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(dead).extracting(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR_TIMESTAMP))
                    .containsExactly("1000", String.valueOf(sixtyDaysAgo));
            assertThat(dead).allSatisfy(d -> assertThat(d.timestamp()).isBetween(now - 1_000,
                    System.currentTimeMillis()));
            assertThat(dead).extracting(d -> new String(d.value(), StandardCharsets.UTF_8))
                    .containsExactly("not json 1000", "not json " + sixtyDaysAgo);
        }
    }

    private static ProducerRecord<byte[], byte[]> notJson(String topic, long timestampMs) {
        return new ProducerRecord<>(topic, 0, timestampMs, HeaderNames.utf8("h-id"),
                ("not json " + timestampMs).getBytes(StandardCharsets.UTF_8));
    }
}
