package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@code dwb_listener_engine_connected}: whether the engine subscription is open, read at each scrape from the
 * capture loop (its own rule, DwbListenerEngineUnreachable, now that the heartbeats of an engine away are counted
 * as transactions and DwbListenerStalled no longer covers it). The whole loop, with an engine that goes away:
 * {@code IdleListenerTest#anEngineGoneIsSaidByItsGaugeWhileItsHeartbeatsAreStillCounted} (a Kafka broker).
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

    private double engineConnected() {
        return metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getName().equals("dwb_listener_engine_connected"))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream()).findFirst().orElseThrow().getValue();
    }
}
