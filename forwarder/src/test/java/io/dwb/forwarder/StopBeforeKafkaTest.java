package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SilentPort;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM (what {@code systemctl stop} sends) while Kafka does not answer at start: exit 0 within seconds. Before,
 * the stop waited for the dead-letter topic's check to give up (default.api.timeout.ms, 60 s): up to 59 s, against
 * systemd's 60 s TimeoutStopSec, past which it is killed.
 */
class StopBeforeKafkaTest {
    /** Far below the 60 s of the admin client's timeout that the stop used to wait for. */
    private static final Duration PROMPT = Duration.ofSeconds(10);

    @Test
    void aStopWhileKafkaDoesNotAnswerEndsTheStartAtOnce() throws Exception {
        try (SilentPort kafka = new SilentPort();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), "--bootstrap-servers",
                     kafka.address(), "--wazuh-queue", "-")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                if (!forwarder.isAlive()) {
                    throw new AssertionError("forwarder exited; output:\n" + forwarder.output());
                }
                return kafka.connections() > 0; // it waits on Kafka
            });

            assertThat(forwarder.terminate(PROMPT)).as(forwarder.output()).isZero();
            assertThat(forwarder.output())
                    .contains("stopped before Kafka answered: nothing was read, so nothing is committed")
                    .doesNotContain("error:");
        }
    }
}
