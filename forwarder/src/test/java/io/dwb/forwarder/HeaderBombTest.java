package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record of a million empty headers: 2,000,012 bytes decompressed (within the topics' bound), ~8 KB of lz4 on the
 * wire, ~61 MB of objects once Kafka's consumer has built a header object and a buffer view for each, before any
 * deserializer runs. Any writer of the events topic (every listener's principal) can make one. Every forwarder the
 * partition moved to exited on OutOfMemoryError at the same offset, after each restart: one host's credentials
 * stopped every host's alerts. Now the record is dead-lettered ({@code unreadable}) and the records around it are
 * delivered, by a forwarder started as {@code bin/forwarder} starts it (its 72 MB heap).
 */
@ExtendWith(SharedKafka.class)
class HeaderBombTest {
    private static final int HEADERS = 1_000_000;

    @TempDir
    Path dir;

    /**
     * Partition 2: two events written in a transaction, delivered before the rest is written (read to its end, which
     * lies past the transaction's marker). Then partition 0: events, a record of a million empty headers alone in its
     * batch, events; partition 1: events, one batch of such a record followed by five events (Kafka reads a batch's
     * records in order from its first, so no consumer reads those five), events. Every event readable is delivered,
     * each unreadable range dead-lettered once; a second forwarder of the group (a restart: it reads the last two
     * minutes again for the silent-host watch, the records included) delivers and dead-letters nothing again, and
     * stays up.
     */
    @Test
    void recordsOfAMillionHeadersAreDeadLetteredAndTheRecordsAroundThemDelivered(SharedKafka.Broker broker)
            throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("header-bomb");
        broker.createTopic(topic, 3, Map.of("retention.ms", "-1",
                TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
                String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES)));
        long t0 = System.currentTimeMillis() * 1_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.transactional(broker, "tx-" + topic)) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 2; i++) {
                producer.send(withPartition(event(topic, "in-transaction-" + i, t0 + 200 + i), 2));
            }
            producer.commitTransaction();
        }
        String dlq = topic + "-dlq";
        long alone;
        long batchFirst;
        long batchLast;
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"))) {
            try (JavaProcess forwarder = TestRecords.launched(broker, topic, receiver)) {
                // Partition 2 read to its end first: its end lies past the transaction's marker, read but not returned.
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> receiver.deliveredCount() >= 2 || !forwarder.isAlive());
                try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
                    for (int i = 0; i < 4; i++) {
                        producer.send(withPartition(event(topic, "before-" + i, t0 + i), i % 2)).get();
                    }
                    alone = producer.send(bomb(topic, 0)).get().offset();
                }
                try (KafkaProducer<byte[], byte[]> producer = oneBatchProducer(broker)) {
                    var first = producer.send(bomb(topic, 1));
                    var last = first;
                    for (int i = 0; i < 5; i++) {
                        last = producer.send(withPartition(event(topic, "in-batch-" + i, t0 + 100 + i), 1));
                    }
                    producer.flush();
                    batchFirst = first.get().offset();
                    batchLast = last.get().offset();
                }
                try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
                    for (int i = 0; i < 4; i++) {
                        producer.send(withPartition(event(topic, "after-" + i, t0 + 10 + i), i % 2)).get();
                    }
                }
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                        .until(() -> receiver.deliveredCount() >= 10 || !forwarder.isAlive());
                assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s",
                        forwarder.outputTail(20_000)).isTrue();
                assertThat(TestRecords.containerNames(receiver)).containsExactlyInAnyOrder("in-transaction-0", "in-transaction-1",
                        "before-0", "before-1", "before-2", "before-3", "after-0", "after-1", "after-2", "after-3");
                await().atMost(Duration.ofSeconds(30)).until(() -> broker.readAll(dlq).size() >= 2);
                assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
                assertThat(forwarder.output()).contains("offsets " + batchFirst + " to " + batchLast
                        + ": no poll can read them");
            }
            List<ConsumerRecord<byte[], byte[]>> letters = broker.readAll(dlq);
            assertThat(letters).hasSize(2);
            Map<Integer, Long> lettered = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                assertThat(text(letter, HeaderNames.ERROR_REASON)).isEqualTo("unreadable");
                assertThat(letter.headers().toArray()).as("the record's own headers left out").hasSizeLessThan(20);
                lettered.put(Integer.parseInt(text(letter, HeaderNames.ERROR_PARTITION)),
                        Long.parseLong(text(letter, HeaderNames.ERROR_OFFSET)));
            }
            assertThat(lettered).as("the range's last offset").isEqualTo(Map.of(0, alone, 1, batchLast));

            try (JavaProcess again = TestRecords.launched(broker, topic, receiver)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> !again.isAlive()
                        || again.output().contains("passed over as unreadable"));
                assertThat(again.output()).as("the hand-over read the records again and went past them: %s",
                        again.outputTail(20_000)).contains("passed over as unreadable");
                await("still running").during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(10))
                        .until(again::isAlive);
                assertThat(again.terminate(Duration.ofSeconds(60))).as(again.outputTail(20_000)).isZero();
            }
            assertThat(receiver.deliveredCount()).as("nothing delivered again").isEqualTo(10);
            assertThat(broker.readAll(dlq)).as("nothing dead-lettered again").hasSize(2);
        }
    }


    /** No key, no value, a million empty headers: 2,000,012 bytes decompressed. */
    private static ProducerRecord<byte[], byte[]> bomb(String topic, int partition) {
        RecordHeaders headers = new RecordHeaders();
        for (int h = 0; h < HEADERS; h++) {
            headers.add("", null);
        }
        return new ProducerRecord<>(topic, partition, null, null, null, headers);
    }

    private static ProducerRecord<byte[], byte[]> event(String topic, String name, long timeNano) {
        return TestRecords.event(topic, "host-a", "host-id-a", TestRecords.containerEvent(name, timeNano));
    }

    /**
     * Puts what it is sent before its {@code flush} into one batch a partition (up to 4 MiB, within 2 MiB
     * decompressed). The linger is only a bound the flush comes well within: at one second, a loaded CI run took
     * longer to append the record of a million headers, the batch went without the five events after it, and they
     * were delivered.
     */
    private static KafkaProducer<byte[], byte[]> oneBatchProducer(SharedKafka.Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "60000");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }


    private static ProducerRecord<byte[], byte[]> withPartition(ProducerRecord<byte[], byte[]> r, int partition) {
        return new ProducerRecord<>(r.topic(), partition, r.key(), r.value(), r.headers());
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String header) {
        Header h = record.headers().lastHeader(header);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
