package io.dwb.forwarder;

import io.dwb.runtime.KafkaClientMetrics;
import io.dwb.runtime.StageLatency;
import io.dwb.runtime.TopicProblem;
import io.dwb.schemas.RecordKind;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * The forwarder's Prometheus metrics (served by {@code --metrics-port} at {@code /metrics}): what happened, told
 * through one method each; the series themselves stay inside. Its Kafka clients' metrics are served through its
 * {@link #kafkaClients()} (which the listener's producer joins in the standalone). Not thread-safe to construct; the
 * counters are.
 */
public final class ForwarderMetrics {
    /** The consumer of the events topic, as {@code client} in the Kafka client metrics. */
    public static final String KAFKA_CONSUMER = "forwarder";
    /** The dead-letter topic's producer, as {@code client} in the Kafka client metrics. */
    public static final String KAFKA_DEAD_LETTERS = "dead-letters";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final KafkaClientMetrics kafkaClients = new KafkaClientMetrics();

    private final Counter consumed = Counter.builder().name("dwb_forwarder_records_consumed_total")
            .help("Records read from the events topic").register(registry);
    private final Counter refetched = Counter.builder().name("dwb_forwarder_records_refetched_total")
            .help("Records polled past the memory bound (--max-pending-bytes), dropped and fetched again later")
            .register(registry);
    private final Counter sent = Counter.builder().name("dwb_forwarder_alerts_sent_total")
            .help("Datagrams the Wazuh queue accepted, by alert kind").labelNames("kind").register(registry);
    private final Counter deadLettered = Counter.builder().name("dwb_forwarder_dlq_records_total")
            .help("Records sent to the dead-letter topic, by reason").labelNames("reason").register(registry);
    private final Counter duplicates = Counter.builder().name("dwb_forwarder_duplicates_dropped_total")
            .help("Events not sent again because their event-id was in the duplicate window").register(registry);
    private final Counter heartbeats = Counter.builder().name("dwb_forwarder_heartbeats_total")
            .help("Heartbeat records read for silent-host detection and not sent to Wazuh").register(registry);
    private final Counter truncated = Counter.builder().name("dwb_forwarder_alerts_truncated_total")
            .help("Alerts marked truncated: trimmed to fit the 65,341 bytes Wazuh takes (attributes, or a long command "
                    + "line), or labels left out past --max-fields or for a key Wazuh's indexer refuses; a state "
                    + "alert with containers left out")
            .register(registry);
    private final Counter socketErrors = Counter.builder().name("dwb_forwarder_socket_errors_total")
            .help("Failed sends to the Wazuh queue (missing, refusing, full); not delivery held on the Wazuh agent's "
                    + "or analysisd's state, where nothing is sent (dwb_forwarder_paused)").register(registry);
    private final Counter resent = Counter.builder().name("dwb_forwarder_alerts_resent_total")
            .help("Datagrams sent again to a new Wazuh queue socket after a restart (possible duplicates)")
            .register(registry);
    private final Counter resendRefused = Counter.builder().name("dwb_forwarder_resend_refused_total")
            .help("Datagrams of the resend window a new Wazuh queue socket refused for their size, left out")
            .register(registry);
    private final Counter wazuhDropped = Counter.builder().name("dwb_forwarder_wazuh_events_dropped_total")
            .help("Events wazuh-analysisd reported dropping (its input queues full; events_dropped of its state "
                    + "file, on a manager, while the forwarder sends): of every source, the bridge's alerts among "
                    + "them or not").register(registry);
    private final Counter newer = Counter.builder().name("dwb_forwarder_records_newer_total")
            .help("Listener records read, by kind, with fields or a gap reason this forwarder does not know (a "
                    + "listener newer than it): the fields are left out of their alerts").labelNames("kind")
            .register(registry);
    private final Counter skipped = Counter.builder().name("dwb_forwarder_replay_skipped_total")
            .help("Replay: invalid records skipped, not delivered nor dead-lettered, by reason").labelNames("reason")
            .register(registry);
    private final Counter replayRefused = Counter.builder().name("dwb_forwarder_replay_refused_total")
            .help("Replay: records whose alert the Wazuh queue refused for its size, not delivered").register(registry);
    private final Counter commitFailures = Counter.builder().name("dwb_forwarder_commit_failures_total")
            .help("Offset commits that failed (what was delivered since the last good one is delivered again after a "
                    + "restart or rebalance)").register(registry);
    private final Counter deleted = Counter.builder().name("dwb_forwarder_deleted_before_delivery_total")
            .help("Offsets of records Kafka deleted before they were delivered (retention, Wazuh down for longer)")
            .register(registry);
    private final Gauge paused = Gauge.builder().name("dwb_forwarder_paused")
            .help("1 while delivery waits for the Wazuh queue (its socket, or the agent's or analysisd's state) or the "
                    + "dead-letter topic").register(registry);
    private final Gauge kafkaUnreachable = Gauge.builder().name("dwb_forwarder_kafka_unreachable")
            .help("1 while no Kafka broker is connected, or none answered a fetch for 10 s while the forwarder "
                    + "fetches, or anything for 40 s while it fetches nothing").register(registry);
    private final Gauge kafkaRefused = Gauge.builder().name("dwb_forwarder_kafka_refused")
            .help("1 while Kafka refuses the forwarder's polls: Read or Describe on the topic or the group removed")
            .register(registry);
    private final Gauge topicMissing = Gauge.builder().name("dwb_forwarder_topic_missing")
            .help("1 while the events topic, seen by this forwarder, is gone from Kafka (deleted): the events of its "
                    + "partitions not delivered are lost, nothing is delivered until it is made again")
            .register(registry);
    private final Gauge topicProblems = Gauge.builder().name("dwb_forwarder_topic_problem")
            .help("1 for each setting of the events or dead-letter topic found wrong at the last reading (every "
                    + "--topic-check-interval), by topic, setting and severity: refusal for one that loses records (a "
                    + "process that starts refuses the topic), warning for one that makes records less safe or "
                    + "writes less available; no series when none").labelNames("topic", "setting", "severity")
            .register(registry);
    private final Gauge lag = Gauge.builder().name("dwb_forwarder_consumer_lag")
            .help("Records behind the end of the assigned partitions (their stable end), plus those fetched and not "
                    + "yet delivered").register(registry);
    private final Gauge partitionsStalled = Gauge.builder().name("dwb_forwarder_partitions_stalled")
            .help("Assigned partitions whose stable end has not moved for --stalled-after while records were written "
                    + "past it: a transaction left open holds their records from this read_committed forwarder")
            .register(registry);
    private final Gauge stallSeconds = Gauge.builder().name("dwb_forwarder_stall_seconds")
            .help("How long the longest of those stalls has held its partition's stable end; 0 when none")
            .register(registry);
    private final Gauge stalledRecords = Gauge.builder().name("dwb_forwarder_stalled_records")
            .help("Records written past the stable end of the stalled partitions (not in dwb_forwarder_consumer_lag, "
                    + "which is measured to the stable end)").register(registry);
    private final Gauge partitionsUnwritable = Gauge.builder().name("dwb_forwarder_partitions_unwritable")
            .help("Assigned partitions that take no writes: fewer in-sync replicas than their topic's "
                    + "min.insync.replicas, or an in-sync replica not answering for 3 s; their hosts' silences stand "
                    + "still meanwhile").register(registry);
    private final Gauge partitionsFlooded = Gauge.builder().name("dwb_forwarder_partitions_flooded")
            .help("Assigned partitions found flooded by one host (at least half of what they sent for a minute, "
                    + "written faster than sent, a minute of records waiting behind) and not caught up since: their "
                    + "other hosts' alerts wait")
            .register(registry);
    private final Gauge hostsWatched = Gauge.builder().name("dwb_forwarder_hosts_watched")
            .help("Hosts whose heartbeats the silent-host watch follows (at most 50,000, or 20 MiB of their names and "
                    + "ids, a forwarder)")
            .register(registry);
    private final Counter unwatched = Counter.builder().name("dwb_forwarder_heartbeats_unwatched_total")
            .help("Heartbeats of hosts the silent-host watch had no room for").register(registry);
    private long unwatchedCounted;
    private final StageLatency deliveryLatency = new StageLatency(registry, "dwb_forwarder_delivery_latency_seconds",
            "From an event's record timestamp (its engine time, set by the listener) to the Wazuh queue accepting "
                    + "its alert (this host's clock); live delivery only");
    /** Events' series, kept: spares a label lookup (and its garbage) per datagram. Made on the first event. */
    private CounterDataPoint sentEvents;

    public PrometheusRegistry registry() {
        return registry;
    }

    public KafkaClientMetrics kafkaClients() {
        return kafkaClients;
    }

    /** A Kafka client of this forwarder: {@link #KAFKA_CONSUMER} or {@link #KAFKA_DEAD_LETTERS}. */
    void kafkaClient(String client, Supplier<Map<MetricName, ? extends Metric>> metrics) {
        kafkaClients.register(client, metrics);
    }

    /** An event's alert accepted by the Wazuh queue {@code sinceRecordNanos} after its record's timestamp. */
    void delivered(long sinceRecordNanos) {
        deliveryLatency.observeNanos(sinceRecordNanos);
    }

    /** A setting of a topic the forwarder uses found wrong ({@code standing}), or no longer so. */
    void topicProblem(String topic, String setting, TopicProblem.Severity severity, boolean standing) {
        String level = severity.name().toLowerCase(Locale.ROOT);
        if (standing) {
            topicProblems.labelValues(topic, setting, level).set(1);
        } else {
            topicProblems.remove(topic, setting, level);
        }
    }

    void consumed(int records) {
        consumed.inc(records);
    }

    void deferred(int records) {
        refetched.inc(records);
    }

    public long refetchedTotal() {
        return (long) refetched.get();
    }

    /** A datagram of {@code kind} (an engine's event, a gap, a silent host…) the socket accepted. */
    void sent(AlertKind kind) {
        if (kind != AlertKind.Engine.EVENT) {
            sent.labelValues(kind.label()).inc();
            return;
        }
        if (sentEvents == null) {
            sentEvents = sent.labelValues(kind.label()); // on the first, so the series appears when there is one
        }
        sentEvents.inc();
    }

    void deadLettered(DeadLetterReason reason) {
        deadLettered.labelValues(reason.code()).inc();
    }

    void duplicate() {
        duplicates.inc();
    }

    /** A listener record of {@code kind} with parts this forwarder does not know: {@link NewerParts}. */
    void newer(RecordKind kind) {
        newer.labelValues(kind.header()).inc();
    }

    void heartbeat() {
        heartbeats.inc();
    }

    void truncated() {
        truncated.inc();
    }

    /** A send to the Wazuh queue failed (not a gate's hold: no send). */
    void socketError() {
        socketErrors.inc();
    }

    void resent() {
        resent.inc();
    }

    void resendRefused() {
        resendRefused.inc();
    }

    /** {@code events} more that wazuh-analysisd says it dropped. */
    void wazuhDropped(long events) {
        wazuhDropped.inc(events);
    }

    public long wazuhDroppedTotal() {
        return (long) wazuhDropped.get();
    }

    void replaySkipped(DeadLetterReason reason) {
        skipped.labelValues(reason.code()).inc();
    }

    void replayRefused() {
        replayRefused.inc();
    }

    void commitFailed() {
        commitFailures.inc();
    }

    void deletedBeforeDelivery(long offsets) {
        deleted.inc(offsets);
    }

    /** The silent-host watch's size now, and its heartbeats not watched since the start. */
    void watch(int watched, long notWatchedTotal) {
        hostsWatched.set(watched);
        unwatched.inc(notWatchedTotal - unwatchedCounted);
        unwatchedCounted = notWatchedTotal;
    }

    /**
     * The partitions stalled behind an open transaction now (thread-safe: the open-transaction watch's thread), how
     * long the longest has been, and the records waiting past their stable ends.
     */
    void stalls(int partitions, long longestNanos, long records) {
        partitionsStalled.set(partitions);
        stallSeconds.set(longestNanos / 1e9);
        stalledRecords.set(records);
    }

    /** The partitions flooded by one host now, not caught up since. */
    void flooded(int partitions) {
        partitionsFlooded.set(partitions);
    }

    /** The partitions that take no writes now (thread-safe: the open-transaction watch's thread). */
    void unwritable(int partitions) {
        partitionsUnwritable.set(partitions);
    }

    void paused(boolean pausedNow) {
        paused.set(pausedNow ? 1 : 0);
    }

    void kafkaUnreachable(boolean unreachable) {
        kafkaUnreachable.set(unreachable ? 1 : 0);
    }

    void kafkaRefused(boolean refused) {
        kafkaRefused.set(refused ? 1 : 0);
    }

    void topicMissing(boolean missing) {
        topicMissing.set(missing ? 1 : 0);
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

    /** Listener records with parts this forwarder does not know, so far, by kind ({@code gap}, {@code state}…). */
    Map<String, Long> newerByKind() {
        Map<String, Long> byKind = new HashMap<>();
        newer.collect().getDataPoints().forEach(d -> byKind.put(d.getLabels().get("kind"), (long) d.getValue()));
        return byKind;
    }

    public long replaySkippedTotal() {
        return (long) skipped.collect().getDataPoints().stream().mapToDouble(d -> d.getValue()).sum();
    }

    /** A replay's invalid records skipped so far, by reason (those of none left out), in the reasons' order. */
    Map<DeadLetterReason, Long> replaySkippedByReason() {
        Map<String, Long> byCode = new HashMap<>(); // read, not asked by label: that would make a series of each
        skipped.collect().getDataPoints().forEach(d -> byCode.put(d.getLabels().get("reason"), (long) d.getValue()));
        Map<DeadLetterReason, Long> by = new EnumMap<>(DeadLetterReason.class);
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            long n = byCode.getOrDefault(reason.code(), 0L);
            if (n > 0) {
                by.put(reason, n);
            }
        }
        return by;
    }

    public long replayRefusedTotal() {
        return (long) replayRefused.get();
    }

    public long commitFailuresTotal() {
        return (long) commitFailures.get();
    }

    public long deletedBeforeDeliveryTotal() {
        return (long) deleted.get();
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

    public long resendRefusedTotal() {
        return (long) resendRefused.get();
    }

    /** 1 while delivery is paused. */
    public long pausedNow() {
        return (long) paused.get();
    }
}
