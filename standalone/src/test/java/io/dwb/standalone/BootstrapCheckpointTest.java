package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.Launcher;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapDirectory;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka/bootstrap.checkpoint} left empty by a power loss soon after the first start (Kafka's format writes it
 * without forcing it to disk; meta.properties, written after it, it forces): before, every later start failed in
 * Kafka ({@code No FeatureLevelRecord for metadata.version was found in the bootstrap metadata ...}) until someone
 * acted. Now it is written again as the format writes it, with a WARN, when that changes nothing the broker had (the
 * metadata log holds a metadata.version, which Kafka then uses, or there is no log at all); with the metadata log
 * lost but topics' logs there, the start is refused, exit 2, one line, nothing changed. The real broker.
 */
class BootstrapCheckpointTest {
    private static final String TOPIC = "kept";
    private static final String BOOTSTRAP = "bootstrap.checkpoint";

    @TempDir
    Path dataDir;

    @Test
    void anEmptyBootstrapCheckpointIsWrittenAgainAndTheBrokerStartsWithItsTopicsAndFeatures() throws Exception {
        Path logDir = dataDir.resolve("kafka");
        Path bootstrap = logDir.resolve(BOOTSTRAP);
        short version;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            write(kafka, "before the power loss");
            version = metadataVersion(kafka);
        }
        List<ApiMessageAndVersion> formatted = records(logDir);
        Files.write(bootstrap, new byte[0]); // what ext4's delayed allocation may leave of it after a power loss

        LogLines logged = LogLines.of("io.dwb.standalone").attach();
        try (logged; EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(read(kafka)).containsExactly("before the power loss");
            assertThat(metadataVersion(kafka)).isEqualTo(version);
        }
        assertThat(logged.events()).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith(bootstrap + " could not be read "
                        + "(empty: No FeatureLevelRecord for metadata.version").contains("written again as the "
                        + "format writes it").endsWith("this one holds one, so the broker's features and data are "
                        + "as they were"));
        assertThat(records(logDir)).as("what the format wrote").isEqualTo(formatted);
    }

    /** The format's files, then the power lost before the broker wrote anything: it starts as on its first start. */
    @Test
    void anEmptyBootstrapCheckpointBesideNoLogStartsTheBrokerAsOnItsFirstStart() throws Exception {
        Path logDir = dataDir.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(kafka.logDir()).isEqualTo(logDir);
        }
        List<ApiMessageAndVersion> formatted = records(logDir);
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path file : files.toList()) {
                if (!file.getFileName().toString().equals(BrokerStorage.META_PROPERTIES)) {
                    Utils.delete(file.toFile());
                }
            }
        }
        Files.write(logDir.resolve(BOOTSTRAP), new byte[0]);

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            write(kafka, "on a new broker");
            assertThat(read(kafka)).containsExactly("on a new broker");
        }
        assertThat(records(logDir)).isEqualTo(formatted);
    }

    @Test
    void anEmptyBootstrapCheckpointWithTheMetadataLogLostIsRefusedWithExit2AndLeftAsItWas() throws Exception {
        Path logDir = dataDir.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            write(kafka, "before the power loss");
        }
        Utils.delete(logDir.resolve("__cluster_metadata-0").toFile());
        Path bootstrap = logDir.resolve(BOOTSTRAP);
        Files.write(bootstrap, new byte[0]);
        Map<String, String> before = DataDirLockTest.tree(logDir);

        String ran = Commands.standalone("--data-dir", dataDir.toString(), "--wazuh-queue", "-",
                "--kafka-port", "0");

        assertThat(ran).startsWith(Launcher.EXIT_USAGE + ": ")
                .contains("error: " + bootstrap + " cannot be read (empty: No FeatureLevelRecord for metadata.version")
                .contains("the metadata log holds no metadata.version, while " + logDir + " holds logs (")
                .contains(TOPIC + "-0").contains("nothing there is changed")
                .contains("mv " + logDir + " " + logDir + ".lost").doesNotContain("Exception");
        assertThat(DataDirLockTest.tree(logDir)).as("nothing written").isEqualTo(before);
    }

    private static List<ApiMessageAndVersion> records(Path logDir) throws Exception {
        return new BootstrapDirectory(logDir.toString()).read().records();
    }

    private static short metadataVersion(EmbeddedKafka kafka) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            return admin.describeFeatures().featureMetadata().get().finalizedFeatures().get("metadata.version")
                    .maxVersionLevel();
        }
    }

    private static void write(EmbeddedKafka kafka, String value) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.clientProperties(),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, "k", value)).get();
        }
    }

    private static List<String> read(EmbeddedKafka kafka) throws IOException {
        Properties p = kafka.clientProperties();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            return EmbeddedKafkaTest.readValues(consumer, 1);
        }
    }
}
