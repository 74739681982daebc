package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 4: the engine stops and starts again under a running listener (a private dockerd). */
@ExtendWith(SharedKafka.class)
class EngineRestartTest {

    @Test
    void theListenerReconnectsByItselfReportsTheGapAndCapturesEventsAfterTheRestart(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("restart");
        int metricsPort = ListenerProcess.freePort();
        try (PrivateEngine engine = PrivateEngine.start();
             JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--metrics-port",
                     String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            engine.client().createVolumeCmd().withName(prefix + "-before").exec();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    count(broker, listener, prefix + "-before", "create") == 1);

            engine.stopDaemon();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    process.output().contains("disconnected from the Docker engine"));
            // A few failed reconnection attempts while the engine is down: unhealthy all along, and still running.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(process.isAlive()).isTrue();
                assertThat(ListenerProcess.http(metricsPort, "/healthz").getKey())
                        .as("unhealthy while the engine is away").isEqualTo(503);
            });
            engine.startDaemon();
            ListenerProcess.awaitConnected(process, 2);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ListenerProcess.http(metricsPort, "/healthz").getKey() == 200);
            assertThat(ListenerProcess.http(metricsPort, "/metrics").getValue())
                    .contains("dwb_listener_reconnects_total 1.0");

            engine.client().createVolumeCmd().withName(prefix + "-after").exec();
            engine.client().removeVolumeCmd(prefix + "-after").exec();
            engine.client().removeVolumeCmd(prefix + "-before").exec();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    count(broker, listener, prefix + "-before", "destroy") == 1);

            assertThat(count(broker, listener, prefix + "-before", "create")).isEqualTo(1);
            assertThat(count(broker, listener, prefix + "-after", "create")).isEqualTo(1);
            assertThat(count(broker, listener, prefix + "-after", "destroy")).isEqualTo(1);
            TopicView view = TopicView.read(broker, listener.topic);
            Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                    TopicView.Published::eventId, Collectors.counting()));
            assertThat(ids.values()).allMatch(n -> n == 1);
            // A restarted engine remembers no events: continuity cannot be proven, the gap says since when.
            List<TopicView.Published> gaps = view.ofKind("gap");
            assertThat(gaps).hasSize(1);
            JsonNode gap = gaps.get(0).value();
            assertThat(gap.get("reason").asText()).isEqualTo("engine-restarted");
            JsonNode before = view.eventValues(e -> e.path("Actor").path("ID").asText().equals(prefix + "-before"))
                    .get(0);
            assertThat(gap.get("fromNano").asLong()).isEqualTo(before.get("timeNano").asLong());
            assertThat(view.ofKind("state")).hasSize(1);
            assertThat(process.output()).contains("gap: events between").contains("reconnecting with backoff");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    private static long count(SharedKafka.Broker broker, ListenerProcess listener, String id, String action) {
        return TopicView.read(broker, listener.topic).eventValues(e -> e.path("Actor").path("ID").asText().equals(id)
                && e.path("Action").asText().equals(action)).size();
    }
}
