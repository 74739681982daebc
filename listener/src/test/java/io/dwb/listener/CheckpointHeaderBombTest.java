package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A record of a million empty headers on the checkpoints topic: 2,000,012 bytes decompressed (within the topics'
 * 2 MiB bound), ~8 KB of lz4 on the wire, ~61 MB of objects once Kafka's consumer has built a header object and a
 * buffer view for each, before any deserializer runs. Any principal that may write the topic (every listener's) can
 * write one. Written after a host's checkpoint, in its partition, the listener (the launcher's 64 MB heap) exited on
 * OutOfMemoryError at each start. Its key cannot be read either, so it may hold the host's newest checkpoint: the
 * listener now starts from now after a {@code checkpoint-unreadable} gap, and at the next start, its checkpoint
 * written after the record, resumes from that checkpoint (what happened while it was down is published).
 */
@ExtendWith(SharedKafka.class)
class CheckpointHeaderBombTest {
    private static final int HEADERS = 1_000_000;

    @ParameterizedTest(name = "under {0} key")
    @ValueSource(strings = {"another host's", "the host's own"})
    void aRecordOfAMillionHeadersAfterTheCheckpointGivesAGapThenTheNextStartResumes(String whose,
            SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        byte[] own = listener.identity().id().getBytes(StandardCharsets.UTF_8);
        try (TestEngine engine = new TestEngine()) {
            // A first run: a checkpoint of this host on the topic.
            String before = TestEngine.uniqueName("before-bomb");
            try (JavaProcess process = listener.start()) {
                ListenerProcess.awaitConnected(process, 1);
                volume(engine, before);
                await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                        .eventValues(TopicView.named(before)).isEmpty());
                await().atMost(Duration.ofSeconds(30)).until(() -> !ownCheckpoints(broker, listener, own).isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }
            ConsumerRecord<byte[], byte[]> checkpoint = ownCheckpoints(broker, listener, own).get(
                    ownCheckpoints(broker, listener, own).size() - 1);
            TopicPartition partition = new TopicPartition(listener.checkpointTopic, checkpoint.partition());
            long bomb = writeBomb(broker, partition, whose.contains("own") ? own
                    : "another-host".getBytes(StandardCharsets.UTF_8));
            assertThat(bomb).isGreaterThan(checkpoint.offset());

            // The second start: the record may be the host's newest value, so where capture stopped is unknown.
            String down = TestEngine.uniqueName("while-down");
            long downAt = System.currentTimeMillis() * 1_000_000L;
            volume(engine, down);
            String after = TestEngine.uniqueName("after-gap");
            long gapToNano;
            try (JavaProcess process = listener.startWithLauncherHeap()) {
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
                assertThat(process.output()).doesNotContain("java.lang.OutOfMemoryError")
                        .containsPattern(offsets(bomb)).contains("checkpoint-unreadable");
                await().atMost(Duration.ofSeconds(30)).until(() -> !ownCheckpointsAfter(broker, partition, bomb, own)
                        .isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }

            // The third start: its checkpoint is after the record, which is passed over; it resumes from there.
            String down2 = TestEngine.uniqueName("while-down-again");
            volume(engine, down2);
            try (JavaProcess process = listener.startWithLauncherHeap()) {
                awaitReady(process);
                assertThat(process.isAlive()).as("the listener runs; its output:%n%s", process.outputTail(20_000))
                        .isTrue();
                assertThat(process.output()).contains("resuming from checkpoint", "passed over")
                        .containsPattern(offsets(bomb));
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

    /** The unreadable offsets as the log says them: the record's, maybe after a transaction marker's. */
    private static String offsets(long bomb) {
        return "offsets? (\\d+ to )?" + bomb + "\\b";
    }

    private static void volume(TestEngine engine, String name) {
        engine.client().createVolumeCmd().withName(name).exec();
        engine.client().removeVolumeCmd(name).exec();
    }

    private static void awaitReady(JavaProcess process) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> process.output().contains("Kafka ready") || !process.isAlive());
    }

    /** The record: no key or value of note, a million empty headers, alone in its lz4 batch. */
    private static long writeBomb(SharedKafka.Broker broker, TopicPartition tp, byte[] key) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "4194304"))) {
            RecordHeaders headers = new RecordHeaders();
            for (int h = 0; h < HEADERS; h++) {
                headers.add("", null);
            }
            return producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), key, null, headers)).get()
                    .offset();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> ownCheckpoints(SharedKafka.Broker broker,
                                                                       ListenerProcess listener, byte[] own) {
        return broker.readAll(listener.checkpointTopic).stream().filter(r -> Arrays.equals(r.key(), own)).toList();
    }

    /** This host's checkpoints after {@code offset}, read without reading the record there. */
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
