package io.dwb.listener;

import io.dwb.runtime.KafkaClientMetrics;
import io.dwb.runtime.StageLatency;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * What {@code /metrics} shows about the listener. One registry per listener: no global state. Its Kafka producer's
 * metrics are served through the {@link KafkaClientMetrics} given (shared with a forwarder in the standalone).
 */
public final class ListenerMetrics {
    /** The listener's producer, as {@code client} in the Kafka client metrics. */
    public static final String KAFKA_CLIENT = "listener";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final KafkaClientMetrics kafkaClients;
    private final Counter eventsRead;
    private final Counter eventsPublished;
    private final Counter gaps;
    private final Counter reconnects;
    private final Counter transactions;
    private final Counter standIns;
    private final Counter idleCollections;
    private final Histogram commitSeconds;
    private final Histogram commitStepSeconds;
    private final StageLatency publishLatency;
    private final StageLatency readLatency;
    private final StageLatency commitWait;
    /** Whether the engine subscription is open: the capture loop's, once it runs. */
    private volatile BooleanSupplier engineConnected = () -> false;
    /** {@code --heartbeat-interval} in seconds, once the capture loop is built; NaN before (no sample). */
    private volatile double heartbeatIntervalSeconds = Double.NaN;
    /**
     * The wall clock's time, in seconds since the epoch, of the last transaction committed, or of the capture's start
     * before the first; NaN before the capture starts (no sample).
     */
    private volatile double lastCommitSeconds = Double.NaN;

    /** With Kafka client metrics of its own (a listener process). */
    public ListenerMetrics(IntSupplier queueDepth) {
        this(queueDepth, new KafkaClientMetrics());
    }

    public ListenerMetrics(IntSupplier queueDepth, KafkaClientMetrics kafkaClients) {
        this.kafkaClients = kafkaClients;
        eventsRead = Counter.builder().name("dwb_listener_events_read_total")
                .help("Engine events read from GET /events (replayed duplicates included)").register(registry);
        eventsPublished = Counter.builder().name("dwb_listener_events_published_total")
                .help("Engine events committed to the events topic").register(registry);
        gaps = Counter.builder().name("dwb_listener_gaps_total")
                .help("Gap records published (continuity with the checkpoint not proven)").register(registry);
        reconnects = Counter.builder().name("dwb_listener_reconnects_total")
                .help("Subscriptions to GET /events after the first one").register(registry);
        standIns = Counter.builder().name("dwb_listener_stand_ins_total")
                .help("Engine events published as their stand-in (identity, name and image only, truncated), by "
                        + "reason; not-an-event counts lines skipped as not an event").labelNames("reason")
                .register(registry);
        transactions = Counter.builder().name("dwb_listener_transactions_total")
                .help("Kafka transactions committed: events, checkpoints, gaps and heartbeats, a heartbeat every "
                        + "--heartbeat-interval whether the engine is quiet or unreachable").register(registry);
        GaugeWithCallback.builder().name("dwb_listener_engine_connected")
                .help("1 while the subscription to the engine's GET /events is open, 0 while the engine is "
                        + "unreachable or being reconnected to (and before the first connection)")
                .callback(cb -> cb.call(engineConnected.getAsBoolean() ? 1 : 0)).register(registry);
        idleCollections = Counter.builder().name("dwb_listener_idle_collections_total")
                .help("Full collections run once quiet after the heap grew, to give memory back to the host")
                .register(registry);
        // How long Kafka takes to commit (the last sends, the checkpoint, the transaction markers): most of an event's
        // time in the listener, and the first thing to look at when events arrive late.
        commitSeconds = Histogram.builder().name("dwb_listener_commit_duration_seconds")
                .help("Time to commit one Kafka transaction (flush, checkpoint, EndTxn)")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).classicOnly()
                .register(registry);
        commitStepSeconds = Histogram.builder().name("dwb_listener_commit_step_duration_seconds")
                .help("A commit's two steps: records (until Kafka acknowledged the transaction's records, the "
                        + "checkpoint's included), end (EndTxn to the transaction coordinator)").labelNames("step")
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).classicOnly()
                .register(registry);
        // An event's time split where it changes hands: the engine's (and the socket's) up to the read, the
        // listener's queue and open transaction up to its commit, then the commit (above). Their sum is
        // dwb_listener_publish_latency_seconds.
        readLatency = new StageLatency(registry, "dwb_listener_read_latency_seconds",
                "From an engine event's time (timeNano, the engine's clock) to the read that completed it (this "
                        + "host's clock), for the events committed; events without a time are not measured");
        commitWait = new StageLatency(registry, "dwb_listener_commit_wait_seconds",
                "From reading an event to the start of the commit that published it: the queue, the open "
                        + "transaction, a commit before it, a Kafka outage");
        publishLatency = new StageLatency(registry, "dwb_listener_publish_latency_seconds",
                "From an engine event's time (timeNano, the engine's clock) to the commit of the transaction that "
                        + "published it (this host's clock); events without a time are not measured");
        // DwbListenerStalled's two: time() - the last commit against three heartbeat intervals (the forwarders'
        // silent-host bound), which --heartbeat-interval sets between 1 s and 1 d; a rate over a fixed window took a
        // quiet listener whose interval is about 10 minutes or more for a stalled one.
        GaugeWithCallback.builder().name("dwb_listener_heartbeat_interval_seconds")
                .help("--heartbeat-interval: a heartbeat transaction is committed at least this often, events or not, "
                        + "engine connected or not")
                .callback(cb -> call(cb, heartbeatIntervalSeconds)).register(registry);
        GaugeWithCallback.builder().name("dwb_listener_last_commit_timestamp_seconds")
                .help("When the last Kafka transaction was committed (this host's clock, seconds since the epoch); "
                        + "before the first, when the capture started (after run_on_start=no's wait)")
                .callback(cb -> call(cb, lastCommitSeconds)).register(registry);
        GaugeWithCallback.builder().name("dwb_listener_queue_depth")
                .help("Events read from the engine and not yet published")
                .callback(cb -> cb.call(queueDepth.getAsInt())).register(registry);
    }

    /** A sample of {@code value}, none while it is unknown (NaN). */
    private static void call(GaugeWithCallback.Callback cb, double value) {
        if (!Double.isNaN(value)) {
            cb.call(value);
        }
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public KafkaClientMetrics kafkaClients() {
        return kafkaClients;
    }

    /** Where {@code dwb_listener_engine_connected} is read from: whether the engine subscription is open. */
    void engineConnection(BooleanSupplier connected) {
        engineConnected = connected;
    }

    /** {@code dwb_listener_heartbeat_interval_seconds}: the capture loop's heartbeat interval. */
    public void heartbeatInterval(Duration interval) {
        heartbeatIntervalSeconds = interval.toNanos() / 1e9;
    }

    /**
     * The capture starts ({@code epochNanos} on the wall clock), after run_on_start=no's wait: what {@code
     * dwb_listener_last_commit_timestamp_seconds} serves until the first commit, so that a listener that never commits
     * is said stalled as one that stopped committing is.
     */
    public void captureStarted(long epochNanos) {
        lastCommitSeconds = epochNanos / 1e9;
    }

    /** The producer now publishing (a new one after a Kafka failure replaces the old one). */
    void producer(Supplier<Map<MetricName, ? extends Metric>> metrics) {
        kafkaClients.register(KAFKA_CLIENT, metrics);
    }

    /**
     * An event committed: {@code publishNanos} after its engine time, {@code heldNanos} after it was read, of which
     * the last {@code commitNanos} were its transaction's commit.
     */
    void committed(long publishNanos, long heldNanos, long commitNanos) {
        publishLatency.observeNanos(publishNanos);
        readLatency.observeNanos(publishNanos - heldNanos);
        commitWait.observeNanos(heldNanos - commitNanos);
    }

    public void read(long n) {
        eventsRead.inc(n);
    }

    public void published(long n) {
        eventsPublished.inc(n);
    }

    public void gap() {
        gaps.inc();
    }

    public void standIn(StandInReason reason) {
        standIns.labelValues(reason.code()).inc();
    }

    public void reconnect() {
        reconnects.inc();
    }

    void idleCollection() {
        idleCollections.inc();
    }

    /**
     * A transaction committed in {@code commitNanos}, {@code steps} of it in Kafka's producer, at {@code
     * committedEpochNanos} on the wall clock: every one, a heartbeat's alone while the engine is away included
     * (DwbListenerStalled: nothing reaches Kafka).
     */
    public void transaction(long commitNanos, TransactionalPublisher.CommitTimes steps, long committedEpochNanos) {
        transactions.inc();
        lastCommitSeconds = committedEpochNanos / 1e9;
        commitSeconds.observe(commitNanos / 1e9);
        commitStepSeconds.labelValues("records").observe(steps.recordsNanos() / 1e9);
        commitStepSeconds.labelValues("end").observe(steps.endNanos() / 1e9);
    }
}
