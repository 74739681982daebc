package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * What the README promises when Kafka goes away under a running listener: /healthz answers 503 within
 * {@code --heartbeat-interval} plus {@code --kafka-timeout} (a quiet engine still commits a heartbeat), and the
 * listener keeps retrying rather than exit.
 */
@Execution(ExecutionMode.CONCURRENT)
class KafkaLostHealthTest {

    private static int health(int port) {
        try {
            return ListenerProcess.http(port, "/healthz").getKey();
        } catch (Exception e) {
            return -1; // not listening yet
        }
    }

    @Test
    void aStoppedBrokerTurnsHealthz503AndTheListenerWaitsForIt() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker()) {
            ListenerProcess listener = new ListenerProcess(broker);
            int port = ListenerProcess.freePort();
            try (JavaProcess process = listener.start("--kafka-timeout", "10s", "--heartbeat-interval", "2s",
                    "--metrics-port", String.valueOf(port))) {
                ListenerProcess.awaitConnected(process, 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> health(port) == 200);

                // Killed, not stopped: a broker's own shutdown takes up to docker's 10 s, under load more. The listener
                // sees Kafka gone within a heartbeat interval and twice --kafka-timeout (the heartbeat's send may wait
                // that long for metadata, then its commit as long): 22 s here, over 30 s seen on a loaded CI machine.
                broker.container().getDockerClient().killContainerCmd(broker.container().getContainerId()).exec();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(health(port))
                        .as("/healthz; the listener said: %s", process.output()).isEqualTo(503));
                // The health turns as the commit fails, a moment before the line is written (a CI run read the
                // output in between)
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(process.output())
                        .contains("Kafka unavailable"));
                assertThat(process.isAlive()).as("retries rather than exit").isTrue();
            }
        }
    }
}
