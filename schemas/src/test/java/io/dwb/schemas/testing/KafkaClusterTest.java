package io.dwb.schemas.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The test cluster keeps its promises: three brokers, replication 3 and min ISR 2 by default, a broker SIGKILLed
 * and started again, the active controller killed and replaced, a rolling restart, and acknowledged records
 * readable throughout.
 */
class KafkaClusterTest {

    @Test
    void survivesABrokerKillAControllerKillAndARollingRestartWithEveryAcknowledgedRecord() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start()) {
            String topic = SharedKafka.Broker.uniqueTopic("cluster");
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3)
                        .configs(Map.of("min.insync.replicas", "2")))).all().get();
                // Until every broker's metadata has the new topic.
                TopicDescription description = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic),
                                d -> d != null);
                assertThat(description.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            }
            try (KafkaProducer<byte[], byte[]> producer = producer(cluster)) {
                send(producer, topic, "before");
                cluster.kill(2);
                send(producer, topic, "one-down");
                cluster.start(2);
                int controller = cluster.killActiveController();
                assertThat(cluster.activeController()).isNotEqualTo(controller);
                send(producer, topic, "controller-down");
                cluster.start(controller);
                cluster.rollingRestart();
                send(producer, topic, "after");
            }
            assertThat(cluster.underReplicated()).isEmpty();
            assertThat(cluster.readAll(topic)).extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrder("before", "one-down", "controller-down", "after");
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaCluster cluster) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String value) throws Exception {
        producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8))).get();
    }
}
