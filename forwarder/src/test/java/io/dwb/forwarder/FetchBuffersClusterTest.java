package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.KafkaCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The forwarder's consumer on a real three-broker cluster, a backlog in every partition: each broker leading some of
 * them sends its own fetch response, and the consumer keeps each until its partitions' parts are polled, out of
 * {@link PollBudget}'s sight. At 1 MiB a partition, each response was the whole {@code fetch.max.bytes} (4 MiB), one
 * a leader: 12 MiB here, 48 MiB on a shared cluster of a dozen brokers, over the 72 MB heap's room for them (the
 * OutOfMemoryError at the same offsets after each restart that {@link FetchMemoryTest} shows for one response of 48
 * MiB). A partition's share is now a 256th of {@code --max-pending-bytes}, so that up to 64 partitions' responses,
 * however many brokers send them, bring no more than one of {@code fetch.max.bytes}.
 */
class FetchBuffersClusterTest {
    private static final int PARTITIONS = 48;
    /** Compressed bytes per partition: more than a partition's share, and 16 of them more than one response. */
    private static final int RECORDS_PER_PARTITION = 300;
    private static final int RECORD_BYTES = 1_000;

    @Test
    void theResponsesOfEveryLeaderTogetherStayWithinOneFetchOfTheBound() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start()) {
            String topic = "fetch-buffers";
            try (Admin admin = cluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    var partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic)
                            .partitions();
                    Set<Integer> leaders = new HashSet<>();
                    partitions.forEach(p -> leaders.add(p.leader() == null ? -1 : p.leader().id()));
                    return !leaders.contains(-1) && leaders.size() == KafkaCluster.NODES;
                });
            }
            produce(cluster.bootstrapServers(), topic);

            Properties p = Forwarder.consumerProperties(ForwarderRun.settings(
                    "--bootstrap-servers", cluster.bootstrapServers(), "--topic", topic));
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
            long fetchMaxBytes = Long.parseLong(p.getProperty(ConsumerConfig.FETCH_MAX_BYTES_CONFIG));
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> all = IntStream.range(0, PARTITIONS)
                        .mapToObj(i -> new TopicPartition(topic, i)).toList();
                consumer.assign(all);
                consumer.seekToBeginning(all);
                ConsumerRecords<byte[], byte[]> first = ConsumerRecords.empty();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (first.isEmpty() && System.nanoTime() < deadline) {
                    first = consumer.poll(Duration.ofMillis(200));
                }
                assertThat(first.count()).isOne();
                // Held as the forwarder holds them while Wazuh paces it: no more fetches, the ones sent answered.
                consumer.pause(all);
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                while (System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(100));
                }
                double received = metric(consumer.metrics(), "incoming-byte-total", "consumer-metrics");
                assertThat(received).as("bytes the brokers sent (fetch.max.bytes %d)", fetchMaxBytes)
                        .isLessThan(fetchMaxBytes + 512 * 1024);
            }
        }
    }

    private static double metric(Map<MetricName, ? extends Metric> metrics, String name, String group) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals(group))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).findFirst().orElseThrow();
    }

    /** Records of random bytes (they do not compress), the same count in each partition. */
    private static void produce(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(16 * 1024));
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        SplittableRandom random = new SplittableRandom(1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int n = 0; n < RECORDS_PER_PARTITION; n++) {
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    byte[] value = new byte[RECORD_BYTES];
                    random.nextBytes(value);
                    producer.send(new ProducerRecord<>(topic, partition, ("h" + partition)
                            .getBytes(StandardCharsets.UTF_8), value));
                }
            }
            producer.flush();
        }
    }
}
