package io.dwb.forwarder;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The forwarder's Prometheus metrics (served by {@code --metrics-port} at {@code /metrics}). */
public final class ForwarderMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();

    final Counter consumed = Counter.builder().name("dwb_forwarder_records_consumed_total")
            .help("Records read from the events topic").register(registry);
    final Counter sent = Counter.builder().name("dwb_forwarder_alerts_sent_total")
            .help("Datagrams the Wazuh queue accepted, by alert kind").labelNames("kind").register(registry);
    final Counter deadLettered = Counter.builder().name("dwb_forwarder_dlq_records_total")
            .help("Records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    final Counter duplicates = Counter.builder().name("dwb_forwarder_duplicates_dropped_total")
            .help("Events not sent again because their event-id was in the duplicate window").register(registry);
    final Counter heartbeats = Counter.builder().name("dwb_forwarder_heartbeats_total")
            .help("Heartbeat records read for silent-host detection and not sent to Wazuh").register(registry);
    final Counter truncated = Counter.builder().name("dwb_forwarder_alerts_truncated_total")
            .help("Alerts whose Actor.Attributes were trimmed to fit 65535 bytes").register(registry);
    final Counter socketErrors = Counter.builder().name("dwb_forwarder_socket_errors_total")
            .help("Failed sends to the Wazuh queue (missing, refusing, full)").register(registry);
    final Counter resent = Counter.builder().name("dwb_forwarder_alerts_resent_total")
            .help("Datagrams sent again to a new Wazuh queue socket after a restart (possible duplicates)")
            .register(registry);
    final Counter skipped = Counter.builder().name("dwb_forwarder_replay_skipped_total")
            .help("Replay: invalid records skipped (they were dead-lettered when first consumed)").register(registry);
    final Gauge paused = Gauge.builder().name("dwb_forwarder_paused")
            .help("1 while delivery waits for the Wazuh queue or the dead-letter topic").register(registry);
    final Gauge lag = Gauge.builder().name("dwb_forwarder_consumer_lag")
            .help("Records behind the end of the assigned partitions").register(registry);

    public PrometheusRegistry registry() {
        return registry;
    }

    public long sentTotal() {
        return (long) sent.collect().getDataPoints().stream().mapToDouble(d -> d.getValue()).sum();
    }

    public long deadLetteredTotal() {
        return (long) deadLettered.collect().getDataPoints().stream().mapToDouble(d -> d.getValue()).sum();
    }

    public long duplicatesTotal() {
        return (long) duplicates.get();
    }

    public long consumedTotal() {
        return (long) consumed.get();
    }
}
