package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {
    @TempDir
    Path dataDir;

    @Test
    void transactionsGroupsAndDataSurviveARestartOnTheSameDataDir() throws Exception {
        TopicPartition partition = new TopicPartition("t", 0);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "committed-1"));
                producer.send(new ProducerRecord<>("t", "k", "committed-2"));
                producer.commitTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "aborted"));
                producer.flush();
                producer.abortTransaction();
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 2)).containsExactly("committed-1", "committed-2");
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(1)));
            }
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                assertThat(admin.listTopics().names().get()).contains("t");
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                assertThat(consumer.committed(Set.of(partition)).get(partition).offset()).isEqualTo(1);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 2)).containsExactly("committed-1", "committed-2");
            }
            // The same transactional id works again after the restart (transaction state persisted too).
            try (KafkaProducer<String, String> producer = transactionalProducer(kafka)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("t", "k", "after-restart"));
                producer.commitTransaction();
            }
            try (KafkaConsumer<String, String> consumer = committedReader(kafka)) {
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThat(readValues(consumer, 3)).containsExactly("committed-1", "committed-2", "after-restart");
            }
        }
    }

    @Test
    void aPortInUseIsReportedWithThePortAndLeavesTheDataDirUsable() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, taken.getLocalPort()))
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0)) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirIsRefusedAndTheFirstKeepsRunning() throws Exception {
        try (EmbeddedKafka first = EmbeddedKafka.start(dataDir, 0)) {
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir, 0)).hasMessageContaining(dataDir.toString());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", first.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("still-up", 1, (short) 1))).all().get();
            }
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.setProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-test");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> committedReader(EmbeddedKafka kafka) {
        Properties p = new Properties();
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.setProperty(ConsumerConfig.GROUP_ID_CONFIG, "embedded-test");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until {@code count} values arrived, or 30 s passed; then polls once more to catch any extra. */
    private static List<String> readValues(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (values.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                values.add(r.value());
            }
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            values.add(r.value());
        }
        return values;
    }
}
