package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events of a megabyte each, as any user who may start a container can make them (a label of a megabyte rides in
 * every event of its container), compressed as a fleet's producers may be told to (lz4 here): 1 MiB of batches held
 * hundreds of them, a poll decompressed up to 2,000, and the forwarder, started as {@code bin/forwarder} starts it
 * (a fixed 72 MB heap), exited on OutOfMemoryError before its first datagram, at the same offset after each restart.
 */
@ExtendWith(SharedKafka.class)
class LargeRecordsTest {
    private static final int EVENTS = 300;

    @TempDir
    Path dir;

    @Test
    void compressedEventsOfAMegabyteEachAreAllDeliveredTrimmedWithinTheLaunchersHeap(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "large", 3);
        long t0 = System.currentTimeMillis() * 1_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < EVENTS; i++) {
                ObjectNode event = TestRecords.containerEvent("big-" + i, t0 + i);
                ((ObjectNode) event.path("Actor").path("Attributes")).put("com.example.blob", "x".repeat(1_000_000));
                producer.send(TestRecords.event(topic, "host-" + i % 3, "host-id-" + i % 3, event));
            }
            producer.flush();
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = launched(broker, topic, receiver)) {
            awaitDatagrams(forwarder, receiver, EVENTS);
            assertThat(receiver.count()).isEqualTo(EVENTS);
            Set<String> names = new HashSet<>();
            for (byte[] datagram : receiver.datagrams()) {
                assertThat(datagram.length).isLessThanOrEqualTo(DatagramReceiver.AGENT_MAX_MESSAGE);
                ObjectNode alert = TestRecords.alert(datagram);
                assertThat(alert.path("truncated").asBoolean()).isTrue();
                names.add(alert.path("docker").path("Actor").path("Attributes").path("name").asText());
            }
            assertThat(names).as("each event once").hasSize(EVENTS);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    /**
     * Label keys are chosen by whoever runs a container, each event may bring new ones, and Jackson's name table
     * (the contract's factory kept it on) kept every field name parsed for the life of the process: events of twenty
     * new 45,000-character keys each ran the forwarder's 72 MB heap out, at the same offset after each restart.
     */
    @Test
    void eventsOfNewLongLabelKeysEachAreDeliveredWithinTheLaunchersHeap(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "label-keys", 1);
        int events = 80;
        long t0 = System.currentTimeMillis() * 1_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < events; i++) {
                ObjectNode event = TestRecords.containerEvent("keys-" + i, t0 + i);
                ObjectNode labels = (ObjectNode) event.path("Actor").path("Attributes");
                for (int k = 0; k < 20; k++) {
                    labels.put(String.format("%05d-%02d-", i, k) + "k".repeat(45_000), "v");
                }
                producer.send(TestRecords.event(topic, "host-a", "host-id-a", event));
            }
            producer.flush();
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = launched(broker, topic, receiver)) {
            awaitDatagrams(forwarder, receiver, events);
            Set<String> names = new HashSet<>();
            for (byte[] datagram : receiver.datagrams()) {
                names.add(TestRecords.alert(datagram).path("docker").path("Actor").path("Attributes").path("name")
                        .asText());
            }
            assertThat(names).as("each event once, its labels left out to fit").hasSize(events);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    /**
     * Records of headers alone (neither key nor value: the consumer calls no deserializer for them, so the memory
     * bound never saw one during a poll), a megabyte and a half of them each, lz4 (a few kilobytes on the wire):
     * 120 of them in one poll were 180 MB, and the forwarder exited on OutOfMemoryError at the same offset after
     * each restart. Any writer of the topic (every listener's principal) can make them.
     */
    @Test
    void recordsOfHeadersAloneAreDeadLetteredWithinTheLaunchersHeap(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "headers-only", 1);
        int records = 120;
        try (KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker)) {
            for (int i = 0; i < records; i++) {
                RecordHeaders headers = new RecordHeaders();
                headers.add("pad", new byte[1_500_000]);
                producer.send(new ProducerRecord<>(topic, 0, null, null, null, headers));
            }
            producer.send(TestRecords.event(topic, "host-a", "host-id-a",
                    TestRecords.containerEvent("after", System.currentTimeMillis() * 1_000_000L)));
            producer.flush();
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = launched(broker, topic, receiver);
             Admin admin = broker.admin()) {
            awaitDatagrams(forwarder, receiver, 1);
            assertThat(receiver.deliveredAlerts().get(0).path("docker").path("Actor")
                    .path("Attributes").path("name").asText()).isEqualTo("after");
            String dlq = topic + "-dlq";
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(List.of(dlq)).allTopicNames().get().get(dlq).partitions()
                    .forEach(p -> ends.put(new TopicPartition(dlq, p.partition()), OffsetSpec.latest()));
            long deadLetters = 0;
            for (var end : admin.listOffsets(ends).all().get().values()) {
                deadLetters += end.offset();
            }
            assertThat(deadLetters).as("each record of headers alone dead-lettered").isEqualTo(records);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    /** The forwarder as {@code bin/forwarder} starts it (its 72 MB heap), from the topic to {@code receiver}. */
    private static JavaProcess launched(SharedKafka.Broker broker, String topic, DatagramReceiver receiver)
            throws java.io.IOException {
        return JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                        "--topic", topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                        "--wazuh-queue", receiver.path().toString()));
    }

    /** Waits for {@code count} datagrams; the forwarder still running (not out of memory) when they came. */
    private static void awaitDatagrams(JavaProcess forwarder, DatagramReceiver receiver, int count) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .until(() -> receiver.deliveredCount() >= count || !forwarder.isAlive());
        assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s", forwarder.output())
                .isTrue();
    }
}
