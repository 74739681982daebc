package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
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
@Execution(ExecutionMode.CONCURRENT)
class NativeCodecTest {

    /**
     * A temporary directory full when the codec's copy is written (here a 64 KiB tmpfs, filled): exit 1 saying so, so
     * that systemd's {@code Restart=on-failure} starts it again and it loads once there is room. It was exit 2, which
     * the units never restart ({@code RestartPreventExitStatus=2}), with advice about exec: the host's capture stayed
     * off after the disk was freed.
     */
    @ParameterizedTest
    @CsvSource({"snappy", "zstd"})
    void aFullTemporaryDirectoryIsExit1NamingItsFreeSpace(String codec, SharedKafka.Broker broker,
                                                          @TempDir Path tmp) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        compressedCheckpointOfAnotherHost(broker, listener, codec);
        Path full = Files.createDirectory(tmp.resolve("full"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full.toString());
        try {
            try (OutputStream filler = Files.newOutputStream(full.resolve("filler"))) {
                filler.write(new byte[128 * 1024]);
            } catch (IOException expected) {
                // No space left on device: full, as meant
            }
            try (JavaProcess process = listener.startWithJvmOptions(List.of("-Djava.io.tmpdir=" + full))) {
                assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.outputTail(4000)).isEqualTo(1);
                assertThat(process.output()).contains("error: cannot decompress the records of the checkpoints topic")
                        .contains("a copy written to " + full + ", which has 0 bytes free: free space there")
                        .doesNotContain("must allow exec").doesNotContain("Exception in thread");
            }
        } finally {
            run("umount", full.toString());
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + output).isZero();
    }

    private static void compressedCheckpointOfAnotherHost(SharedKafka.Broker broker, ListenerProcess listener,
                                                          String codec) throws Exception {
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
    }

    @ParameterizedTest
    @CsvSource({
        "snappy, -Dorg.xerial.snappy.use.systemlib=true",
        "zstd, -DZstdTempFolder=/nonexistent-dwb-dir",
    })
    void anotherHostsCompressedBatchIsReadOrItsCodecNamedAsTheCause(String codec, String unloadable,
                                                                   SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        compressedCheckpointOfAnotherHost(broker, listener, codec);

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
