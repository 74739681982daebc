package io.dwb.runtime;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The process's Kafka clients' own metrics ({@code metrics()}), read at scrape time and served in the JMX exporter's
 * naming: {@code kafka_<producer|consumer>_[<group>_]<metric>}, Kafka's {@code -total} metrics as counters, the
 * others as gauges in Kafka's units (latencies in milliseconds), labelled {@code client} (the bridge's name for the
 * client, one per process) and {@code client_id}. Only the {@link #SELECTED} client-level metrics: no per-node,
 * per-topic or per-partition series, so a forwarder with hundreds of partitions serves as few as one with one.
 * Nothing is copied or kept: a client registered here is read when Prometheus scrapes (Kafka's clients allow that
 * from any thread), and a client rebuilt after a failure replaces the old one under the same name. One exception: a
 * closed client's network metrics, its connection count among them, are removed with its connections, so the
 * connection count a registered client served last is served as 0 once it serves none ({@link #CONNECTION_COUNT}): the listener closes its producer after a Kafka failure and waits
 * up to 30 s before the next, and without a series meanwhile an alert on {@code connection_count == 0} never held
 * through an outage.
 */
public final class KafkaClientMetrics implements MultiCollector {
    /** The metrics served, as Kafka names them: group, then the metrics of that group. */
    public static final Map<String, List<String>> SELECTED = selected();

    private static final Set<String> CLIENT_LEVEL = Set.of("client-id");
    /** The metric served as 0 for a registered client that serves none (closed): it has no connections. */
    static final String CONNECTION_COUNT = "connection-count";
    private static final String TOTAL = "-total";

    /** Sorted by name: the series come in the same order at every scrape. */
    private final Map<String, Supplier<Map<MetricName, ? extends Metric>>> clients = new ConcurrentSkipListMap<>();
    /** Per client, the connection count it served last: what its 0 is served as once it serves none. */
    private final Map<String, LastConnections> lastConnections = new ConcurrentHashMap<>();

    /** A client's connection-count series: its metric name (a producer's or a consumer's), help and client id. */
    private record LastConnections(String name, String help, String clientId) {}

    private static Map<String, List<String>> selected() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("producer-metrics", List.of("record-send-total", "record-error-total", "record-retry-total",
                "request-latency-avg", "request-latency-max", "record-queue-time-avg", "record-queue-time-max",
                "batch-size-avg", "buffer-available-bytes", "requests-in-flight", "produce-throttle-time-max",
                "connection-count", "outgoing-byte-total"));
        m.put("consumer-metrics", List.of("connection-count", "incoming-byte-total", "last-poll-seconds-ago",
                "time-between-poll-max", "poll-idle-ratio-avg"));
        m.put("consumer-fetch-manager-metrics", List.of("records-consumed-total", "bytes-consumed-total",
                "fetch-total", "fetch-latency-avg", "fetch-latency-max", "records-lag-max", "records-per-request-avg",
                "fetch-throttle-time-max"));
        m.put("consumer-coordinator-metrics", List.of("assigned-partitions", "commit-total", "commit-latency-avg",
                "commit-latency-max", "rebalance-total", "failed-rebalance-total"));
        return Map.copyOf(m);
    }

    /**
     * Serves {@code metrics} (a client's {@code metrics()}) as {@code client}, replacing the client registered under
     * that name before.
     */
    public void register(String client, Supplier<Map<MetricName, ? extends Metric>> metrics) {
        clients.put(client, metrics);
    }

    /** The Prometheus name of Kafka's {@code group}/{@code name}, without the counters' {@code _total}. */
    static String prometheusName(String group, String name) {
        String type = group.substring(0, group.indexOf('-')); // producer or consumer
        String infix = group.substring(type.length() + 1, group.length() - "metrics".length());
        String metric = name.endsWith(TOTAL) ? name.substring(0, name.length() - TOTAL.length()) : name;
        return ("kafka_" + type + "_" + infix + metric).replace('-', '_');
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, Family> families = new LinkedHashMap<>();
        clients.forEach((client, source) -> {
            boolean connections = false;
            for (Map.Entry<MetricName, ? extends Metric> served : source.get().entrySet()) {
                MetricName name = served.getKey();
                List<String> wanted = SELECTED.get(name.group());
                if (wanted == null || !wanted.contains(name.name()) || !name.tags().keySet().equals(CLIENT_LEVEL)
                        || !(served.getValue().metricValue() instanceof Number value)) {
                    continue;
                }
                String prometheusName = prometheusName(name.group(), name.name());
                String clientId = name.tags().get("client-id");
                families.computeIfAbsent(prometheusName,
                        n -> new Family(n, name.description(), name.name().endsWith(TOTAL)))
                        .add(Labels.of("client", client, "client_id", clientId), value.doubleValue());
                if (name.name().equals(CONNECTION_COUNT)) {
                    connections = true;
                    lastConnections.put(client, new LastConnections(prometheusName, name.description(), clientId));
                }
            }
            LastConnections last = lastConnections.get(client);
            if (!connections && last != null) { // closed, the next one not built yet: no connection
                families.computeIfAbsent(last.name(), n -> new Family(n, last.help(), false))
                        .add(Labels.of("client", client, "client_id", last.clientId()), 0);
            }
        });
        List<MetricSnapshot> snapshots = new ArrayList<>();
        families.values().forEach(f -> snapshots.add(f.snapshot()));
        return new MetricSnapshots(snapshots);
    }

    /** One metric's series across the clients. */
    private static final class Family {
        private final String name;
        private final String help;
        private final boolean counter;
        private final List<Labels> labels = new ArrayList<>();
        private final List<Double> values = new ArrayList<>();

        Family(String name, String help, boolean counter) {
            this.name = name;
            this.help = help;
            this.counter = counter;
        }

        void add(Labels l, double value) {
            if (counter && !(value >= 0)) {
                return; // a counter is never negative nor NaN
            }
            labels.add(l);
            values.add(value);
        }

        MetricSnapshot snapshot() {
            if (counter) {
                CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
                for (int i = 0; i < labels.size(); i++) {
                    b.dataPoint(CounterDataPointSnapshot.builder().labels(labels.get(i)).value(values.get(i)).build());
                }
                return b.build();
            }
            GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
            for (int i = 0; i < labels.size(); i++) {
                b.dataPoint(GaugeDataPointSnapshot.builder().labels(labels.get(i)).value(values.get(i)).build());
            }
            return b.build();
        }
    }
}
