package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The checkpoints topic's partition of this host holds hundreds of lz4 records of a megabyte and a half each (any
 * principal that may write the topic, a listener's credentials included, can write them; each is within the
 * topics' 2 MiB decompressed bound): the lookup's polls decompressed hundreds at once and the listener, with
 * {@code bin/listener}'s 64 MB heap, exited on OutOfMemoryError at every start. It now reads past them, and the
 * last of them, under this host's key, is reported as a value that is not a checkpoint.
 */
@ExtendWith(SharedKafka.class)
class CheckpointFloodTest {
    private static final int RECORDS = 200;

    @Test
    void megabyteRecordsOnTheCheckpointsPartitionNeitherStopTheStartNorPassForACheckpoint(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        broker.createTopic(listener.checkpointTopic, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "4194304"));
        byte[] own = listener.identity().id().getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "4194304"))) {
            byte[] value = ("{\"timeNano\":1,\"eventId\":\"" + "0".repeat(1_500_000) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < RECORDS; i++) {
                byte[] key = i == RECORDS - 1 ? own : ("other-host-" + i).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(listener.checkpointTopic, key, value));
            }
            producer.flush();
        }
        try (JavaProcess process = listener.startWithLauncherHeap()) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                    .records().isEmpty() || !process.isAlive());
            assertThat(process.isAlive()).as("the listener runs; its output:%n%s", process.output()).isTrue();
            assertThat(process.output()).doesNotContain("java.lang.OutOfMemoryError")
                    .contains("is not a checkpoint", "over the " + CheckpointRecordBound.MAX_VALUE_BYTES);
            assertThat(TopicView.read(broker, listener.topic).records().get(0).value().get("reason").asText())
                    .isEqualTo(io.dwb.schemas.GapReason.CHECKPOINT_UNREADABLE.code());
            assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
        }
    }
}
