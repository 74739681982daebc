package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The delivery loop's view of Kafka rests on two of the consumer's own metrics, which a MockConsumer lacks: a real
 * consumer has them, its connections counted and its fetch answers counting up while it polls (an idle fetch is
 * answered after fetch.max.wait.ms), so a partition is live while Kafka answers.
 */
@ExtendWith(SharedKafka.class)
class ConsumerMetricTest {
    @Test
    void aKafkaConsumerCountsItsConnectionsAndItsFetchesAnswered(SharedKafka.Broker broker) {
        String topic = TestRecords.topic(broker, "metrics", 1);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            consumer.poll(Duration.ofMillis(500));
            double first = ConsumerMetric.FETCH_TOTAL.of(consumer);
            assertThat(first).as("a metric it has").isNotNaN();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200));
                return ConsumerMetric.FETCH_TOTAL.of(consumer) > first;
            });
            assertThat(ConsumerMetric.CONNECTION_COUNT.of(consumer)).isGreaterThanOrEqualTo(1);
        }
    }
}
