package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A local user who holds the listener's metrics port (any user may bind a port above 1024 during a restart) does not
 * keep it from capturing: the listener says so in an ERROR line and publishes its engine's events. It exited 1 at
 * every start while the port was held, and its host had no capture (systemd restarting it every 10 s in vain).
 */
@ExtendWith(SharedKafka.class)
class MetricsPortHeldTest {

    @Test
    void aListenerWhoseMetricsPortIsHeldCapturesAnyway(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String name = TestEngine.uniqueName("metrics-held");
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             TestEngine engine = new TestEngine();
             JavaProcess process = listener.start("--metrics-port", String.valueOf(held.getLocalPort()))) {
            ListenerProcess.awaitConnected(process, 1);
            assertThat(process.output()).contains("ERROR").contains("cannot listen for metrics on 127.0.0.1 port "
                    + held.getLocalPort() + ": Address already in use; running without /metrics and /healthz");
            try {
                engine.startSleeper(name);
            } finally {
                engine.removeQuietly(name);
            }
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    !TopicView.read(broker, listener.topic).eventValues(TopicView.named(name)).isEmpty());
            assertThat(process.isAlive()).isTrue();
        }
    }
}
