package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGHUP (the terminal of a listener run by hand closed, an SSH session ended) stops the listener as SIGTERM does:
 * what it read is committed, exit 0. Before, the JVM's default ended it at once, exit 129, with nothing committed.
 */
@ExtendWith(SharedKafka.class)
class HangUpTest {
    @Test
    void aHangUpStopsTheListenerAsATerminationDoes(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            Process kill = new ProcessBuilder("kill", "-HUP", String.valueOf(process.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();

            assertThat(process.waitFor(Duration.ofSeconds(30))).as(process.output()).isZero();
        }
    }
}
