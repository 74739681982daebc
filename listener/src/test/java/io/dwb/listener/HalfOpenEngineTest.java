package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@code tcp://} engine whose connections go half-open (a proxy stops carrying bytes but keeps the sockets open):
 * the listener's liveness probe notices within the documented time, drops the events connection, and once the
 * network is back resumes from the checkpoint so that the events made meanwhile reach the topic, each once.
 */
@ExtendWith(SharedKafka.class)
class HalfOpenEngineTest {
    /** --engine-probe-interval + --engine-probe-timeout of this test. */
    private static final Duration DETECTION = Duration.ofSeconds(3);

    @Test
    void aBlackHoledConnectionIsDroppedWithinTheProbeTimeAndTheEventsMadeMeanwhileArePublished(
            SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("halfopen");
        int metricsPort = ListenerProcess.freePort();
        List<String> volumes = new ArrayList<>();
        try (TestEngine engine = new TestEngine();
             BlackHoleProxy proxy = BlackHoleProxy.to(System.getenv("DOCKER_HOST"));
             JavaProcess process = listener.start("--docker-host", proxy.dockerHost(), "--metrics-port",
                     String.valueOf(metricsPort), "--engine-probe-interval", "2s", "--engine-probe-timeout", "1s",
                     "--heartbeat-interval", "1s")) {
            ListenerProcess.awaitConnected(process, 1);
            // The events connection has TCP keepalive, its first probe due within --engine-probe-interval (the
            // kernel's default would be 2 hours): a vanished peer is noticed even if /_ping still gets through.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(KernelTcpTable.keepAliveTimersTo(proxy.port())).isNotEmpty()
                            .allMatch(left -> left.compareTo(Duration.ofSeconds(2)) <= 0));
            volumes.add(createVolume(engine, prefix + "-before"));
            await().atMost(Duration.ofSeconds(60)).until(() -> count(broker, listener, prefix + "-before") == 1);

            proxy.blackHole();
            long blackHoledAt = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                volumes.add(createVolume(engine, prefix + "-during-" + i)); // straight to the engine, not the proxy
            }
            await().atMost(DETECTION.plusSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> process.output().contains("disconnected from the Docker engine"));
            Duration detectedAfter = Duration.ofNanos(System.nanoTime() - blackHoledAt);
            assertThat(detectedAfter).as("detected within interval + timeout (plus scheduling slack)")
                    .isLessThan(DETECTION.plusSeconds(3));
            assertThat(process.output()).contains("the Docker engine does not answer: no answer to GET /_ping");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    ListenerProcess.http(metricsPort, "/healthz").getKey() == 503);
            // Still black-holed: reconnection attempts hang in their turn and are cut as well (GET /events without
            // response headers within the probe timeout).
            await().atMost(DETECTION.multipliedBy(4)).until(() ->
                    process.output().contains("GET /events got no response in 1000 ms"));
            assertThat(count(broker, listener, prefix + "-during-")).as("nothing arrives through the black hole")
                    .isZero();

            proxy.heal();
            ListenerProcess.awaitConnected(process, 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> count(broker, listener, prefix + "-during-") == 3);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    ListenerProcess.http(metricsPort, "/healthz").getKey() == 200);

            TopicView view = TopicView.read(broker, listener.topic);
            for (int i = 0; i < 3; i++) {
                assertThat(count(broker, listener, prefix + "-during-" + i)).as("volume %d once", i).isEqualTo(1);
            }
            assertThat(count(broker, listener, prefix + "-before")).as("not published twice").isEqualTo(1);
            // The engine kept the events: the replay of the checkpointed one proves continuity, no gap.
            assertThat(view.ofKind("gap")).isEmpty();
            assertThat(process.output()).contains("continuity proven");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        } finally {
            try (TestEngine engine = new TestEngine()) {
                volumes.forEach(v -> engine.client().removeVolumeCmd(v).exec());
            }
        }
    }

    private static String createVolume(TestEngine engine, String name) {
        return engine.client().createVolumeCmd().withName(name).exec().getName();
    }

    private static long count(SharedKafka.Broker broker, ListenerProcess listener, String prefix) {
        return TopicView.read(broker, listener.topic).eventValues(e -> e.path("Actor").path("ID").asText()
                .startsWith(prefix) && e.path("Action").asText().equals("create")).size();
    }
}
