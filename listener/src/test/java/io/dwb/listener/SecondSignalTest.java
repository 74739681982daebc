package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A second stop signal ends the listener at once, exit 143 for SIGTERM, where the first waits for Kafka to take the
 * stop's last heartbeat: Kafka paused (a broker of its own), a person who pressed Ctrl-C waited out the Kafka timeout.
 * One sent twice at once is the same stop.
 */
class SecondSignalTest {
    @Test
    void aSecondSigtermExitsAtOnceWhileTheStopWaitsForKafka() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker()) {
            ListenerProcess listener = new ListenerProcess(broker);
            try (JavaProcess process = listener.start("--kafka-timeout", "120s")) {
                ListenerProcess.awaitConnected(process, 1);
                String kafka = broker.container().getContainerId();
                broker.container().getDockerClient().pauseContainerCmd(kafka).exec();
                try {
                    signal(process);
                    long first = System.nanoTime();
                    signal(process); // the same stop, sent twice at once (coreutils' timeout does)
                    // A second from the first on, another is a second signal.
                    await().atMost(Duration.ofSeconds(30)).until(() -> process.output().contains("SIGTERM: stopping")
                            && System.nanoTime() - first > Duration.ofMillis(1_100).toNanos());
                    assertThat(process.isAlive()).as("the stop waits for Kafka: " + process.output()).isTrue();

                    signal(process);

                    assertThat(process.waitFor(Duration.ofSeconds(30))).as(process.output()).isEqualTo(143);
                    assertThat(process.output()).contains("SIGTERM again: exiting at once, the stop unfinished");
                } finally {
                    broker.container().getDockerClient().unpauseContainerCmd(kafka).exec();
                }
            }
        }
    }

    private static void signal(JavaProcess process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-TERM", String.valueOf(process.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }
}
