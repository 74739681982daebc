package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Real Kafka clients (no broker needed to read their metrics): the selected metrics are served under the JMX
 * exporter's names, counters as counters, one series per client, whatever per-node, per-topic or per-partition
 * metrics the clients have.
 */
class KafkaClientMetricsTest {
    private final KafkaClientMetrics clients = new KafkaClientMetrics();

    @Test
    void aProducersAndAConsumersSelectedMetricsAreServedOnePerClient() throws IOException {
        try (KafkaProducer<byte[], byte[]> producer = producer();
             KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            clients.register("listener", producer::metrics);
            clients.register("forwarder", consumer::metrics);

            Map<String, MetricSnapshot> served = served();
            assertThat(served.get("kafka_producer_record_error")).isInstanceOf(CounterSnapshot.class);
            assertThat(served.get("kafka_producer_record_send")).isInstanceOf(CounterSnapshot.class);
            assertThat(served.get("kafka_producer_request_latency_avg")).isInstanceOf(GaugeSnapshot.class);
            assertThat(served.get("kafka_consumer_fetch_manager_records_consumed")).isInstanceOf(CounterSnapshot.class);
            assertThat(served.get("kafka_consumer_fetch_manager_records_lag_max")).isInstanceOf(GaugeSnapshot.class);
            assertThat(served.get("kafka_consumer_connection_count")).isInstanceOf(GaugeSnapshot.class);
            assertThat(served.get("kafka_consumer_coordinator_rebalance")).isInstanceOf(CounterSnapshot.class);
            for (MetricSnapshot s : served.values()) {
                assertThat(s.getDataPoints()).as(s.getMetadata().getName() + ": one series per client").hasSize(1);
            }
            assertThat(exposition()).contains("kafka_producer_record_send_total{client=\"listener\","
                    + "client_id=\"test-producer\"} 0.0", "kafka_consumer_fetch_manager_records_consumed_total{"
                    + "client=\"forwarder\",client_id=\"test-consumer\"} 0.0");
            int selected = KafkaClientMetrics.SELECTED.values().stream().mapToInt(java.util.List::size).sum();
            assertThat(served).as("every selected metric exists in today's clients").hasSize(selected);
        }
    }

    /**
     * The listener closes its producer after a Kafka failure and waits up to 30 s before the next one; a closed
     * producer's network metrics, its connection count among them, are removed with its connections. Without a
     * connection count meanwhile, {@code kafka_producer_connection_count{client="listener"} == 0} was no longer true
     * between producers, and the alert on it, pending for 5 minutes, started over at each of them: it never fired in
     * an outage.
     */
    @Test
    void aClosedRegisteredProducerServesNoConnectionsRatherThanNoSeries() {
        KafkaProducer<byte[], byte[]> producer = producer();
        clients.register("listener", producer::metrics);
        assertThat(served().get("kafka_producer_connection_count")).as("open").isNotNull();
        producer.close(Duration.ZERO);

        Map<String, MetricSnapshot> served = served();
        assertThat(served.get("kafka_producer_connection_count")).as("closed").isInstanceOf(GaugeSnapshot.class);
        GaugeSnapshot connections = (GaugeSnapshot) served.get("kafka_producer_connection_count");
        assertThat(connections.getDataPoints()).singleElement().satisfies(d -> {
            assertThat(d.getValue()).isZero();
            assertThat(d.getLabels().get("client")).isEqualTo("listener");
            assertThat(d.getLabels().get("client_id")).isEqualTo("test-producer");
        });

        try (KafkaProducer<byte[], byte[]> next = producer()) {
            clients.register("listener", next::metrics);
            assertThat(served().get("kafka_producer_connection_count").getDataPoints())
                    .as("the next producer's own count, once").hasSize(1);
        }
    }

    @Test
    void aClientThatNeverServedAConnectionCountGetsNone() {
        clients.register("dead-letters", Map::of);
        assertThat(served()).isEmpty();
    }

    @Test
    void perPartitionPerTopicAndPerNodeMetricsAreLeftOutSoSeriesStayBounded() {
        Map<MetricName, Metric> metrics = new HashMap<>();
        add(metrics, "records-lag-max", Map.of("client-id", "c"), 7);
        for (int p = 0; p < 500; p++) {
            add(metrics, "records-lag-max", Map.of("client-id", "c", "topic", "events",
                    "partition", String.valueOf(p)), p);
        }
        add(metrics, "records-consumed-total", Map.of("client-id", "c", "topic", "events"), 3);
        add(metrics, "not-selected", Map.of("client-id", "c"), 1);
        clients.register("forwarder", () -> metrics);

        Map<String, MetricSnapshot> served = served();
        assertThat(served).containsOnlyKeys("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(served.get("kafka_consumer_fetch_manager_records_lag_max").getDataPoints()).hasSize(1);
    }

    @Test
    void aClientRebuiltUnderTheSameNameReplacesTheOldOne() {
        Map<MetricName, Metric> first = new HashMap<>();
        add(first, "records-lag-max", Map.of("client-id", "c"), 7);
        Map<MetricName, Metric> second = new HashMap<>();
        add(second, "records-lag-max", Map.of("client-id", "c"), 2);
        clients.register("forwarder", () -> first);
        clients.register("forwarder", () -> second);

        GaugeSnapshot lag = (GaugeSnapshot) served().get("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(lag.getDataPoints()).singleElement().satisfies(d -> assertThat(d.getValue()).isEqualTo(2));
    }

    @Test
    void namesFollowTheJmxExportersKafkaClientNaming() {
        assertThat(KafkaClientMetrics.prometheusName("producer-metrics", "record-error-total"))
                .isEqualTo("kafka_producer_record_error");
        assertThat(KafkaClientMetrics.prometheusName("consumer-fetch-manager-metrics", "records-lag-max"))
                .isEqualTo("kafka_consumer_fetch_manager_records_lag_max");
        assertThat(KafkaClientMetrics.prometheusName("consumer-metrics", "connection-count"))
                .isEqualTo("kafka_consumer_connection_count");
    }

    private static void add(Map<MetricName, Metric> metrics, String name, Map<String, String> tags, double value) {
        MetricName metricName = new MetricName(name, "consumer-fetch-manager-metrics", "", tags);
        metrics.put(metricName, new Metric() {
            @Override
            public MetricName metricName() {
                return metricName;
            }

            @Override
            public Object metricValue() {
                return value;
            }
        });
    }

    private Map<String, MetricSnapshot> served() {
        Map<String, MetricSnapshot> byName = new HashMap<>();
        clients.collect().forEach(s -> byName.put(s.getMetadata().getName(), s));
        return byName;
    }

    private String exposition() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(clients);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Transactional and idempotent, as the listener's. */
    private static KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "test-producer");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** In a group, as the forwarder's. */
    private static KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "test-consumer");
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
