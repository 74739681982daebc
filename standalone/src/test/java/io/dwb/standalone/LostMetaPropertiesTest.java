package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.Launcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded broker's {@code kafka/meta.properties} lost (deleted by hand, a restore that missed it) while its log is
 * there: before, the start took the directory for a new one and formatted it, writing a new cluster and directory id
 * and a new bootstrap.checkpoint over the old metadata log, without a word. Now the start refuses, exit 2 (which the
 * units do not restart), naming the directory and the two ways out, and changes nothing in it. The real broker.
 */
class LostMetaPropertiesTest {
    private static final String TOPIC = "kept";

    @TempDir
    Path dataDir;

    @Test
    void aLogWithoutItsMetaPropertiesIsRefusedWithExit2AndLeftAsItWas() throws Exception {
        Path logDir = dataDir.resolve("kafka");
        Path meta = logDir.resolve("meta.properties");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            write(kafka, "before the loss");
        }
        byte[] saved = Files.readAllBytes(meta);
        Files.delete(meta);
        Map<String, String> before = tree(dataDir);
        assertThat(before).containsKeys("kafka/__cluster_metadata-0", "kafka/" + TOPIC + "-0");

        String ran = Commands.standalone("--data-dir", dataDir.toString(), "--wazuh-queue", "-",
                "--kafka-port", "0");

        assertThat(ran).startsWith(Launcher.EXIT_USAGE + ": ").contains("error: " + logDir)
                .contains("no meta.properties").contains("__cluster_metadata-0")
                .contains("restore " + meta).contains("mv " + logDir + " " + logDir + ".lost")
                .doesNotContain("Exception");
        assertThat(tree(dataDir)).as("nothing deleted, written or added").isEqualTo(before);

        // The first way out: the file restored, the broker is the one it was, its records there.
        Files.write(meta, saved);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            assertThat(read(kafka)).containsExactly("before the loss");
            assertThat(Files.readAllBytes(meta)).isEqualTo(saved);
        }
    }

    @Test
    void theLogMovedAwayStartsAnEmptyBroker() throws Exception {
        Path logDir = dataDir.resolve("kafka");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            write(kafka, "left behind");
        }
        Files.delete(logDir.resolve("meta.properties"));
        Files.move(logDir, dataDir.resolve("kafka.lost")); // the second way out, as the error line gives it

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0));
             Admin admin = Admin.create(kafka.clientProperties())) {
            assertThat(admin.listTopics().names().get()).doesNotContain(TOPIC);
        }
        assertThat(dataDir.resolve("kafka.lost/" + TOPIC + "-0")).isDirectory();
    }


    /** Every file and directory under {@code root}: its mode, and a file's size, time and digest. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path,
                        LinkOption.NOFOLLOW_LINKS));
                tree.put(root.relativize(path).toString(), Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                        ? mode + " " + Files.size(path) + " " + Files.getLastModifiedTime(path) + " " + digest(path)
                        : mode);
            }
        }
        return tree;
    }

    private static String digest(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(EmbeddedKafka kafka, String value) throws Exception {
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
        }
        Properties p = kafka.clientProperties();
        p.setProperty(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.setProperty(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(TOPIC, "k", value)).get();
        }
    }

    private static List<String> read(EmbeddedKafka kafka) {
        Properties p = kafka.clientProperties();
        p.setProperty(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.setProperty(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            return EmbeddedKafkaTest.readValues(consumer, 1);
        }
    }
}
