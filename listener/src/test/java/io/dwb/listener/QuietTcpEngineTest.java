package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.List;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@code tcp://} engine quiet for longer than 3 minutes (an idle host: hours without an event) keeps its events
 * stream. httpclient5's default read timeout, 3 minutes, cut every quiet {@code tcp://} host's stream (docker-java's
 * {@code unix://} client sets none): a reconnection every 3 minutes, /healthz 503 a moment, and a gap each time on a
 * host whose engine no longer had the checkpointed event (a helper's review ran it: three gaps in nine minutes).
 */
@ExtendWith(SharedKafka.class)
class QuietTcpEngineTest {
    /** The events connection's settings: no read timeout, keepalive on (what the long test below shows at work). */
    @Test
    void theEventsConnectionHasNoReadTimeout() {
        assertThat(KeepAliveEventsClient.socketConfig(Duration.ofSeconds(30), Duration.ofSeconds(10)).getSoTimeout())
                .isEqualTo(Timeout.DISABLED);
        assertThat(KeepAliveEventsClient.socketConfig(Duration.ofSeconds(30), Duration.ofSeconds(10))
                .isSoKeepAlive()).isTrue();
        assertThat(KeepAliveEventsClient.connectionConfig(Duration.ofSeconds(5)).getSocketTimeout())
                .isEqualTo(Timeout.DISABLED);
    }

    /** 200 s of a quiet engine: tagged long (the profile {@code long}, docs/listener.md's Tests). */
    @Test
    @Tag("long")
    void aQuietTcpEngineKeepsItsStreamPastThreeMinutes(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of());
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            ListenerProcess.awaitConnected(process, 1);
            await().during(Duration.ofSeconds(200)).atMost(Duration.ofSeconds(240))
                    .until(() -> process.isAlive() && engine.subscriptions() == 1);
            assertThat(process.output()).doesNotContain("disconnected from the Docker engine");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }
}
