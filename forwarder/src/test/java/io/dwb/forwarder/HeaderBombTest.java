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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

    @Test
    void aRecordOfAMillionHeadersIsDeadLetteredAndTheRecordsAroundItDelivered(SharedKafka.Broker broker)
            throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("header-bomb");
        broker.createTopic(topic, 2, Map.of("retention.ms", "-1",
                TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
                String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES)));
        long t0 = System.currentTimeMillis() * 1_000_000L;
        List<Long> bombs = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < 5; i++) {
                producer.send(withPartition(TestRecords.event(topic, "host-a", "host-id-a",
                        TestRecords.containerEvent("before-" + i, t0 + i)), i % 2)).get();
            }
            for (int partition = 0; partition < 2; partition++) {
                RecordHeaders headers = new RecordHeaders();
                for (int h = 0; h < HEADERS; h++) {
                    headers.add("", null);
                }
                bombs.add(producer.send(new ProducerRecord<>(topic, partition, null, null, null, headers)).get()
                        .offset());
            }
            for (int i = 0; i < 5; i++) {
                producer.send(withPartition(TestRecords.event(topic, "host-a", "host-id-a",
                        TestRecords.containerEvent("after-" + i, t0 + 10 + i)), i % 2)).get();
            }
        }
        String dlq = topic + "-dlq";
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                     JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                             "--topic", topic, "--group", "g-" + topic, "--dlq-topic", dlq,
                             "--wazuh-queue", receiver.path().toString()))) {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                    .until(() -> receiver.count() >= 10 || !forwarder.isAlive());
            assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s",
                    forwarder.outputTail(20_000)).isTrue();
            List<String> names = new ArrayList<>();
            for (byte[] datagram : receiver.datagrams()) {
                names.add(TestRecords.alert(datagram).path("docker").path("Actor").path("Attributes").path("name")
                        .asText());
            }
            assertThat(names).containsExactlyInAnyOrder("before-0", "before-1", "before-2", "before-3", "before-4",
                    "after-0", "after-1", "after-2", "after-3", "after-4");
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.readAll(dlq).size() >= 2);
            List<ConsumerRecord<byte[], byte[]>> letters = broker.readAll(dlq);
            assertThat(letters).hasSize(2);
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                assertThat(text(letter, HeaderNames.ERROR_REASON)).isEqualTo("unreadable");
                int partition = Integer.parseInt(text(letter, HeaderNames.ERROR_PARTITION));
                assertThat(Long.parseLong(text(letter, HeaderNames.ERROR_OFFSET))).isEqualTo(bombs.get(partition));
                assertThat(letter.headers().toArray()).as("the record's own headers left out").hasSizeLessThan(20);
            }
            assertThat(forwarder.output()).contains("unreadable");
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    private static ProducerRecord<byte[], byte[]> withPartition(ProducerRecord<byte[], byte[]> r, int partition) {
        return new ProducerRecord<>(r.topic(), partition, r.key(), r.value(), r.headers());
    }

    private static String text(ConsumerRecord<byte[], byte[]> record, String header) {
        Header h = record.headers().lastHeader(header);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
