package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A batch on the host's checkpoint partition that the partition's leader serves corrupt (bytes of its log file changed
 * on the broker's disk: its CRC no longer matches; brokers check a batch as it is written, not as they serve it).
 * Kafka's consumer refuses the partition's records from that batch on, at every poll, with a plain KafkaException.
 * Before, the lookup took it for Kafka unavailable: the listener retried with its backoff for ever and never
 * subscribed to the engine, and so did every listener whose lookup read that batch. Written after the host's
 * checkpoint, under another host's key, its keys cannot be read, so it may hold the host's newest checkpoint: the
 * listener now starts from now after a {@code checkpoint-unreadable} gap, and at the next start, its checkpoint
 * written after the batch, passes the batch over and resumes from that checkpoint. (As {@link CheckpointHeaderBombTest}
 * for a record too large for the heap; the forwarder's {@code CorruptBatchTest} corrupts its topic the same way.)
 */
@ExtendWith(SharedKafka.class)
class CheckpointCorruptBatchTest {
    /** A record batch's header (base offset to record count); its CRC covers everything from byte 21 on. */
    private static final int BATCH_HEADER = 61;

    @Test
    void aCorruptBatchAfterTheCheckpointGivesAGapThenTheNextStartPassesItOver(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        byte[] own = listener.identity().id().getBytes(StandardCharsets.UTF_8);
        try (TestEngine engine = new TestEngine()) {
            // A first run: a checkpoint of this host on the topic.
            String before = TestEngine.uniqueName("before-corrupt");
            try (JavaProcess process = listener.start()) {
                ListenerProcess.awaitConnected(process, 1);
                volume(engine, before);
                await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                        .eventValues(TopicView.named(before)).isEmpty());
                await().atMost(Duration.ofSeconds(30)).until(() -> !ownCheckpoints(broker, listener, own).isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }
            List<ConsumerRecord<byte[], byte[]>> checkpoints = ownCheckpoints(broker, listener, own);
            ConsumerRecord<byte[], byte[]> checkpoint = checkpoints.get(checkpoints.size() - 1);
            TopicPartition partition = new TopicPartition(listener.checkpointTopic, checkpoint.partition());

            // Another host's batch after it, then 4 bytes of its first record changed on the broker's disk.
            awaitDecided(broker, partition); // the last commit's marker written: the file's end is the batch's start
            long batchStart = broker.logSize(partition);
            long[] offsets = writeBatch(broker, partition);
            long first = offsets[0];
            long last = offsets[1];
            assertThat(first).isGreaterThan(checkpoint.offset());
            assertThat(last - first).as("the three records in one batch").isEqualTo(2);
            long batchBytes = broker.logSize(partition) - batchStart;
            assertThat(batchBytes).as("one batch of three small records, nothing else appended")
                    .isBetween(BATCH_HEADER + 3 * 40L, 1_200L);
            broker.corruptLog(partition, batchStart + BATCH_HEADER + 8);

            // The second start: the batch may hold the host's newest value, so where capture stopped is unknown.
            String down = TestEngine.uniqueName("while-down");
            long downAt = System.currentTimeMillis() * 1_000_000L;
            volume(engine, down);
            String after = TestEngine.uniqueName("after-gap");
            long gapToNano;
            try (JavaProcess process = listener.start()) {
                awaitReady(process);
                assertThat(process.isAlive()).as("the listener runs; its output:%n%s", process.outputTail(20_000))
                        .isTrue();
                ListenerProcess.awaitConnected(process, 1);
                volume(engine, after);
                await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                        .eventValues(TopicView.named(after)).isEmpty());
                List<TopicView.Published> gaps = TopicView.read(broker, listener.topic).ofKind("gap");
                assertThat(gaps).as("one gap").hasSize(1);
                JsonNode gap = gaps.get(0).value();
                assertThat(gap.get("reason").asText()).isEqualTo(GapReason.CHECKPOINT_UNREADABLE.code());
                assertThat(gap.get("fromNano").asLong()).as("the gap covers the time the listener was down")
                        .isLessThanOrEqualTo(downAt);
                gapToNano = gap.get("toNano").asLong();
                assertThat(process.output()).as(process.outputTail(20_000))
                        .doesNotContain("Kafka unavailable")
                        .containsPattern(offsets(last) + ": Kafka's consumer refuses them \\(Record batch for "
                                + "partition " + partition + " at offset \\d+ is invalid, cause: Record is corrupt")
                        .contains("this host's newest checkpoint may be among them", "checkpoint-unreadable");
                await().atMost(Duration.ofSeconds(30)).until(() -> !ownCheckpointsAfter(broker, partition, last, own)
                        .isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }

            // The third start: its checkpoint is after the batch, which is passed over; it resumes from there.
            String down2 = TestEngine.uniqueName("while-down-again");
            volume(engine, down2);
            try (JavaProcess process = listener.start()) {
                awaitReady(process);
                assertThat(process.isAlive()).as("the listener runs; its output:%n%s", process.outputTail(20_000))
                        .isTrue();
                assertThat(process.output()).as(process.outputTail(20_000))
                        .contains("resuming from checkpoint", "passed over, this host's checkpoint is after them")
                        .containsPattern(offsets(last) + ": Kafka's consumer refuses them")
                        .doesNotContain("Kafka unavailable");
                await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                        .eventValues(TopicView.named(down2)).isEmpty());
                assertThat(TopicView.read(broker, listener.topic).ofKind("gap")).as("no new gap").hasSize(1);
                // The events while down are in the gap, or published: a start from "now" looks 2 s back.
                if (TopicView.read(broker, listener.topic).eventValues(TopicView.named(down)).isEmpty()) {
                    assertThat(gapToNano).as("the events while down, not published, are within the gap")
                            .isGreaterThanOrEqualTo(downAt);
                }
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }
        }
    }

    /** The unreadable offsets as the log says them: the batch's, maybe from the last checkpoint's commit marker on. */
    private static String offsets(long last) {
        return "offsets \\d+ to " + last;
    }

    private static void volume(TestEngine engine, String name) {
        engine.client().createVolumeCmd().withName(name).exec();
        engine.client().removeVolumeCmd(name).exec();
    }

    private static void awaitReady(JavaProcess process) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> process.output().contains("Kafka ready") || !process.isAlive());
    }

    /**
     * Until every transaction on {@code tp} is decided, its commit marker written: the transaction coordinator writes
     * it after the producer's commit returns.
     */
    private static void awaitDecided(SharedKafka.Broker broker, TopicPartition tp) {
        try (Admin admin = broker.admin()) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    end(admin, tp, IsolationLevel.READ_COMMITTED) == end(admin, tp, IsolationLevel.READ_UNCOMMITTED));
        }
    }

    private static long end(Admin admin, TopicPartition tp, IsolationLevel isolation) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp)
                .get().offset();
    }

    /** Three checkpoints of another host in one uncompressed batch: its first and last offsets. */
    private static long[] writeBatch(SharedKafka.Broker broker, TopicPartition tp) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(1024 * 1024));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1000");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        byte[] key = CompactedPartition.id("another-host").getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                byte[] value = ContractJson.write(new Checkpoint(1_700_000_000_000_000_000L + i,
                        String.format("%032x", i + 1)));
                sent.add(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), key, value)));
            }
            producer.flush();
            return new long[] {sent.get(0).get().offset(), sent.get(2).get().offset()};
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> ownCheckpoints(SharedKafka.Broker broker,
                                                                       ListenerProcess listener, byte[] own) {
        return broker.readAll(listener.checkpointTopic).stream().filter(r -> Arrays.equals(r.key(), own)).toList();
    }

    /** This host's checkpoints after {@code offset}, read without reading the batch up to it. */
    private static List<ConsumerRecord<byte[], byte[]>> ownCheckpointsAfter(SharedKafka.Broker broker,
            TopicPartition tp, long offset, byte[] own) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seek(tp, offset + 1);
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (Arrays.equals(r.key(), own)) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
