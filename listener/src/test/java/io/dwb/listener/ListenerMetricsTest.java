package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.listener.EngineConnection.EngineUnavailable;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code dwb_listener_engine_connected}: whether the engine subscription is open, read at each scrape from the
 * capture loop (its own rule, DwbListenerEngineUnreachable, now that the heartbeats of an engine away are counted
 * as transactions and DwbListenerStalled no longer covers it). The whole loop, with an engine that goes away:
 * {@code IdleListenerTest#anEngineGoneIsSaidByItsGaugeWhileItsHeartbeatsAreStillCounted} (a Kafka broker). And
 * DwbListenerStalled's two gauges, the heartbeat interval and the last commit's time (each commit's:
 * {@code TransactionPumpTest#eachCommitIsTheLastCommitsTime}).
 */
class ListenerMetricsTest {
    private final ListenerMetrics metrics = new ListenerMetrics(() -> 0);

    @Test
    void theEngineConnectedGaugeFollowsTheSubscription() {
        assertThat(engineConnected()).as("before the capture loop runs: not connected").isZero();
        AtomicBoolean connected = new AtomicBoolean();
        metrics.engineConnection(connected::get);
        assertThat(engineConnected()).isZero();
        connected.set(true);
        assertThat(engineConnected()).as("subscribed").isEqualTo(1);
        connected.set(false);
        assertThat(engineConnected()).as("the engine gone").isZero();
    }

    /**
     * DwbListenerStalled compares the time since the last commit with three heartbeat intervals: the interval is the
     * one the listener runs with, served from the capture loop's building on (whatever --heartbeat-interval says, 1 s
     * to 1 d: nothing in a fixed 5 minutes for 5 minutes took a quiet listener heartbeating every 10 minutes or so
     * for a stalled one); the last commit's time has no sample until the capture starts.
     */
    @Test
    void theHeartbeatIntervalIsServedAsConfigured(@TempDir Path dir) {
        assertThat(gauge("dwb_listener_heartbeat_interval_seconds")).as("before the capture loop: none").isEmpty();

        new CaptureLoop(settings(dir, "--heartbeat-interval", "10m"), new java.util.Properties(),
                new EventQueue(10, 1 << 20), metrics);

        assertThat(gauge("dwb_listener_heartbeat_interval_seconds")).hasValue(600.0);
        assertThat(gauge("dwb_listener_last_commit_timestamp_seconds")).as("not started").isEmpty();
        ListenerMetrics defaults = new ListenerMetrics(() -> 0);
        new CaptureLoop(settings(dir), new java.util.Properties(), new EventQueue(10, 1 << 20), defaults);
        assertThat(gauge(defaults, "dwb_listener_heartbeat_interval_seconds")).as("the default").hasValue(30.0);
    }

    /**
     * Until its first commit, the listener's last commit is the capture's start: one that never commits (an engine it
     * never reached, Kafka refusing it) is stalled as one that stopped committing; run_on_start=no's wait is no
     * stall, and serves no sample.
     */
    @Test
    void theLastCommitIsTheCapturesStartUntilTheFirstCommit(@TempDir Path dir) throws Exception {
        long now = 1_800_000_000_123_000_000L;
        ListenerSettings settings = settings(dir, "--attempts", "1");
        CaptureLoop waiting = loop(settings.withEngineRetries(Duration.ofSeconds(1), Duration.ofSeconds(1), 1,
                Duration.ofHours(1)), now);
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(waiting::run);
        // run_on_start=no's wait: no sample while it lasts
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> gauge("dwb_listener_last_commit_timestamp_seconds").isEmpty());
        waiting.requestStop();
        assertThat(run.get(30, TimeUnit.SECONDS)).isZero();

        CaptureLoop started = loop(settings, now);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(started::run))
                .isInstanceOf(EngineUnavailable.class);
        assertThat(gauge("dwb_listener_last_commit_timestamp_seconds")).hasValue(now / 1e9);
    }

    private CaptureLoop loop(ListenerSettings settings, long epochNanos) {
        return new CaptureLoop(settings, new java.util.Properties(), new io.dwb.runtime.KafkaConfigFile(null, null),
                new EventQueue(10, 1 << 20), metrics, null, System::nanoTime, () -> epochNanos, (clientConfig, host) -> {
                    throw new AssertionError("no producer before the engine answers");
                });
    }

    /** A listener's settings: no engine at its socket, no Kafka at its address, and {@code extra}. */
    private static ListenerSettings settings(Path dir, String... extra) {
        ListenerCommand command = new ListenerCommand();
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--docker-host",
                "unix://" + dir.resolve("no-engine.sock"), "--bootstrap-servers", "127.0.0.1:1", "--host-name",
                "metrics-test", "--kafka-timeout", "2s"));
        args.addAll(java.util.List.of(extra));
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command.settings();
    }

    private double engineConnected() {
        return gauge("dwb_listener_engine_connected").orElseThrow();
    }

    private OptionalDouble gauge(String name) {
        return gauge(metrics, name);
    }

    /** The only sample of {@code metrics}' gauge {@code name}, if it has one. */
    private static OptionalDouble gauge(ListenerMetrics metrics, String name) {
        return metrics.registry().scrape().stream().filter(s -> s.getMetadata().getName().equals(name))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .mapToDouble(GaugeSnapshot.GaugeDataPointSnapshot::getValue).findFirst();
    }
}
