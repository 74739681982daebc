package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch the partition's leader serves corrupt (a byte of its log file changed on the broker's disk: its CRC no
 * longer matches). Kafka's consumer refuses the partition's records from that batch on, at every poll, with a plain
 * KafkaException. Before, the forwarder exited 1 at once, at every restart, and so did each forwarder of the group the
 * partition moved to: one bad batch on one broker stopped every host's alerts. Now the batch is dead-lettered as
 * {@code unreadable} (its offsets and Kafka's reason in the letter), the records around it and the other partitions'
 * are delivered, and a restart neither delivers nor dead-letters anything again.
 */
@ExtendWith(SharedKafka.class)
class CorruptBatchTest {
    @TempDir
    Path dir;

    @Test
    void aCorruptBatchIsDeadLetteredAndTheRestDelivered(SharedKafka.Broker broker) throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("corrupt-batch");
        broker.createTopic(topic, 2, Map.of("retention.ms", "-1"));
        TopicPartition segment = new TopicPartition(topic, 0);
        long t0 = System.currentTimeMillis() * 1_000_000L;
        long first;
        long last;
        long batchStart;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < 3; i++) {
                producer.send(to(event(topic, "before-" + i, t0 + i), 0)).get();
                producer.send(to(event(topic, "other-" + i, t0 + 20 + i), 1)).get();
            }
        }
        batchStart = broker.logSize(segment);
        try (KafkaProducer<byte[], byte[]> producer = oneBatchProducer(broker)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                sent.add(producer.send(to(event(topic, "corrupt-" + i, t0 + 10 + i), 0)));
            }
            producer.flush();
            first = sent.get(0).get().offset();
            last = sent.get(2).get().offset();
        }
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < 3; i++) {
                producer.send(to(event(topic, "after-" + i, t0 + 30 + i), 0)).get();
            }
        }
        // Past the batch's header (61 bytes; its CRC covers everything from byte 21): a value's byte, changed.
        broker.corruptLog(segment, batchStart + 100);

        String dlq = topic + "-dlq";
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            try (JavaProcess forwarder = TestRecords.launched(broker, topic, receiver)) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                        .until(() -> receiver.deliveredCount() >= 9 || !forwarder.isAlive());
                assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s",
                        forwarder.outputTail(20_000)).isTrue();
                assertThat(TestRecords.containerNames(receiver)).containsExactlyInAnyOrder("before-0", "before-1", "before-2",
                        "after-0", "after-1", "after-2", "other-0", "other-1", "other-2");
                await().atMost(Duration.ofSeconds(30)).until(() -> !broker.readAll(dlq).isEmpty());
                assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
                assertThat(forwarder.output()).contains(topic + "-0 offsets " + first + " to " + last
                        + ": Kafka's consumer refuses them").contains("is invalid, cause: Record is corrupt");
            }
            List<ConsumerRecord<byte[], byte[]>> letters = broker.readAll(dlq);
            assertThat(letters).hasSize(1);
            ConsumerRecord<byte[], byte[]> letter = letters.get(0);
            assertThat(text(letter, HeaderNames.ERROR_REASON)).isEqualTo("unreadable");
            assertThat(text(letter, HeaderNames.ERROR_PARTITION)).isEqualTo("0");
            assertThat(text(letter, HeaderNames.ERROR_OFFSET)).as("the range's last offset")
                    .isEqualTo(String.valueOf(last));
            assertThat(text(letter, HeaderNames.ERROR_MESSAGE)).contains("offsets " + first + " to " + last)
                    .contains("Record is corrupt");

            try (JavaProcess again = TestRecords.launched(broker, topic, receiver)) {
                // The restart reads the last two minutes again for the silent-host watch, the batch included.
                await().atMost(Duration.ofSeconds(120)).until(() -> !again.isAlive()
                        || again.output().contains("passed over as unreadable"));
                await("still running").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                        .until(again::isAlive);
                assertThat(again.terminate(Duration.ofSeconds(60))).as(again.outputTail(20_000)).isZero();
            }
            assertThat(receiver.deliveredCount()).as("nothing delivered again").isEqualTo(9);
            assertThat(broker.readAll(dlq)).as("nothing dead-lettered again").hasSize(1);
        }
    }


    private static ProducerRecord<byte[], byte[]> event(String topic, String name, long timeNano) {
        return TestRecords.event(topic, "host-a", "host-id-a", TestRecords.containerEvent(name, timeNano));
    }

    private static ProducerRecord<byte[], byte[]> to(ProducerRecord<byte[], byte[]> r, int partition) {
        return new ProducerRecord<>(r.topic(), partition, r.key(), r.value(), r.headers());
    }

    /** Puts what it is sent within a second into one batch (uncompressed: the byte changed is a value's). */
    private static KafkaProducer<byte[], byte[]> oneBatchProducer(SharedKafka.Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1024 * 1024));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }


    private static String text(ConsumerRecord<byte[], byte[]> record, String header) {
        Header h = record.headers().lastHeader(header);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
