package io.dwb.forwarder;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** One of a KafkaConsumer's own metrics the delivery loop reads, by name and group. */
record ConsumerMetric(String name, String group) {
    /** Its connections to brokers. */
    static final ConsumerMetric CONNECTION_COUNT = new ConsumerMetric("connection-count", "consumer-metrics");
    /**
     * Its answers from brokers of any kind (fetches, a group member's heartbeats, metadata), since it started.
     */
    static final ConsumerMetric RESPONSE_TOTAL = new ConsumerMetric("response-total", "consumer-metrics");
    /** Its fetches answered, since it started. */
    static final ConsumerMetric FETCH_TOTAL = new ConsumerMetric("fetch-total", "consumer-fetch-manager-metrics");

    /** Its value in {@code consumer}, NaN when the consumer has no such metric (a test double). */
    double of(Consumer<?, ?> consumer) {
        for (Map.Entry<MetricName, ? extends Metric> entry : consumer.metrics().entrySet()) {
            MetricName metric = entry.getKey();
            if (metric.name().equals(name) && metric.group().equals(group)) {
                return ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return Double.NaN;
    }
}
