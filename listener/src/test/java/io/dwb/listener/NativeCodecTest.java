package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Another host's batch in the checkpoints partition is snappy or zstd compressed (its --kafka-config, the topic's
 * compression.type): the listener's lookup decompresses it too. Where the codec's native library loads, the
 * listener starts; where it cannot (its copy in a noexec /tmp: Compose's read-only hardening before the fix; here a
 * JVM flag that makes the load fail the same way, with an UnsatisfiedLinkError) it exits 2 saying why and what to
 * do, not "Exception in thread main" (snappy's raw Error, exit 1) nor "Kafka unavailable" for ever (zstd's, wrapped
 * in a KafkaException).
 */
@ExtendWith(SharedKafka.class)
class NativeCodecTest {

    @ParameterizedTest
    @CsvSource({
        "snappy, -Dorg.xerial.snappy.use.systemlib=true",
        "zstd, -DZstdTempFolder=/nonexistent-dwb-dir",
    })
    void anotherHostsCompressedBatchIsReadOrItsCodecNamedAsTheCause(String codec, String unloadable,
                                                                   SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        broker.createTopic(listener.checkpointTopic, 1,
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            producer.send(new ProducerRecord<>(listener.checkpointTopic,
                    "another-host".getBytes(StandardCharsets.UTF_8),
                    "{\"timeNano\":1,\"eventId\":\"x\"}".getBytes(StandardCharsets.UTF_8))).get();
        }

        try (JavaProcess process = listener.startWithJvmOptions(List.of(unloadable))) {
            assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.outputTail(4000)).isEqualTo(2);
            assertThat(process.output()).contains("error: cannot decompress the records of the checkpoints topic")
                    .contains("native library").contains("must allow exec").contains("java.io.tmpdir")
                    .doesNotContain("Exception in thread").doesNotContain("Kafka unavailable");
        }

        try (JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            assertThat(process.output()).doesNotContain("native library");
            assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
        }
    }
}
