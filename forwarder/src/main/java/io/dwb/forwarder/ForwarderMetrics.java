package io.dwb.forwarder;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The forwarder's Prometheus metrics (served by {@code --metrics-port} at {@code /metrics}): what happened, told
 * through one method each; the series themselves stay inside. Not thread-safe to construct; the counters are.
 */
public final class ForwarderMetrics {
    private static final String EVENT = "event";

    private final PrometheusRegistry registry = new PrometheusRegistry();

    private final Counter consumed = Counter.builder().name("dwb_forwarder_records_consumed_total")
            .help("Records read from the events topic").register(registry);
    private final Counter sent = Counter.builder().name("dwb_forwarder_alerts_sent_total")
            .help("Datagrams the Wazuh queue accepted, by alert kind").labelNames("kind").register(registry);
    private final Counter deadLettered = Counter.builder().name("dwb_forwarder_dlq_records_total")
            .help("Records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    private final Counter duplicates = Counter.builder().name("dwb_forwarder_duplicates_dropped_total")
            .help("Events not sent again because their event-id was in the duplicate window").register(registry);
    private final Counter heartbeats = Counter.builder().name("dwb_forwarder_heartbeats_total")
            .help("Heartbeat records read for silent-host detection and not sent to Wazuh").register(registry);
    private final Counter truncated = Counter.builder().name("dwb_forwarder_alerts_truncated_total")
            .help("Alerts whose Actor.Attributes were trimmed to fit 65535 bytes").register(registry);
    private final Counter socketErrors = Counter.builder().name("dwb_forwarder_socket_errors_total")
            .help("Failed sends to the Wazuh queue (missing, refusing, full)").register(registry);
    private final Counter resent = Counter.builder().name("dwb_forwarder_alerts_resent_total")
            .help("Datagrams sent again to a new Wazuh queue socket after a restart (possible duplicates)")
            .register(registry);
    private final Counter skipped = Counter.builder().name("dwb_forwarder_replay_skipped_total")
            .help("Replay: invalid records skipped (they were dead-lettered when first consumed)").register(registry);
    private final Gauge paused = Gauge.builder().name("dwb_forwarder_paused")
            .help("1 while delivery waits for the Wazuh queue or the dead-letter topic").register(registry);
    private final Gauge lag = Gauge.builder().name("dwb_forwarder_consumer_lag")
            .help("Records behind the end of the assigned partitions").register(registry);
    /** Events' series, kept: spares a label lookup (and its garbage) per datagram. Made on the first event. */
    private CounterDataPoint sentEvents;

    public PrometheusRegistry registry() {
        return registry;
    }

    void consumed(int records) {
        consumed.inc(records);
    }

    /** A datagram of {@code kind} ({@code event}, {@code gap}, {@code silent-host}…) the socket accepted. */
    void sent(String kind) {
        if (!kind.equals(EVENT)) {
            sent.labelValues(kind).inc();
            return;
        }
        if (sentEvents == null) {
            sentEvents = sent.labelValues(EVENT); // on the first, so the series appears when there is one
        }
        sentEvents.inc();
    }

    void deadLettered(DeadLetterReason reason) {
        deadLettered.labelValues(reason.code()).inc();
    }

    void duplicate() {
        duplicates.inc();
    }

    void heartbeat() {
        heartbeats.inc();
    }

    void truncated() {
        truncated.inc();
    }

    void socketError() {
        socketErrors.inc();
    }

    void resent() {
        resent.inc();
    }

    void replaySkipped() {
        skipped.inc();
    }

    void paused(boolean pausedNow) {
        paused.set(pausedNow ? 1 : 0);
    }

    void lag(long records) {
        lag.set(records);
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

    public long heartbeatsTotal() {
        return (long) heartbeats.get();
    }

    public long truncatedTotal() {
        return (long) truncated.get();
    }

    public long socketErrorsTotal() {
        return (long) socketErrors.get();
    }

    public long resentTotal() {
        return (long) resent.get();
    }

    /** 1 while delivery is paused. */
    public long pausedNow() {
        return (long) paused.get();
    }
}
