package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The queue socket's states as the forwarder sees them, on real AF_UNIX datagram sockets. */
class WazuhQueueTest {
    @TempDir
    Path dir;

    private static byte[] datagram(String text) {
        return ("1:Wazuh-Docker:" + text).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void missingRefusingFullAndRestartedReceiversAreToldApartAndNothingIsLost() throws Exception {
        Path path = dir.resolve("queue");
        try (WazuhQueue queue = new WazuhQueue(path)) {
            assertThatThrownBy(() -> queue.send(datagram("{}")))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class).hasMessageContaining("socket missing");

            // A socket file nobody reads any more (Wazuh killed): refused.
            AFUNIXDatagramSocket stale = AFUNIXDatagramSocket.newInstance();
            stale.bind(AFUNIXSocketAddress.of(path));
            stale.close();
            assertThat(Files.exists(path)).isTrue();
            assertThatThrownBy(() -> queue.send(datagram("{}")))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class).hasMessageContaining("refus");

            DatagramReceiver receiver = DatagramReceiver.bind(path);
            int expected;
            try {
                queue.send(datagram("{\"n\":1}"));
                await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == 1);

                // Not reading: the send gives up within its grace instead of blocking for ever.
                receiver.stopReading();
                int accepted = 0;
                long started = System.nanoTime();
                while (true) {
                    try {
                        queue.send(datagram("{\"n\":" + (100 + accepted) + "}"));
                        accepted++;
                    } catch (AlertSink.SinkUnavailableException e) {
                        assertThat(e.getMessage()).contains("queue full");
                        break;
                    }
                    assertThat(accepted).as("a bounded queue fills").isLessThan(10_000);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
                receiver.resumeReading();
                expected = 1 + accepted;
                await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == expected);
            } finally {
                receiver.close();
            }

            // Wazuh restarted: a new socket at the same path; the old channel is replaced after one failure.
            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                try {
                    queue.send(datagram("{\"after\":\"restart\"}"));
                } catch (AlertSink.SinkUnavailableException firstTryOnTheOldSocket) {
                    queue.send(datagram("{\"after\":\"restart\"}"));
                }
                // Failed once in CI: say whether the datagram went to the closed socket or nowhere.
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(restarted.count())
                        .as("datagrams at the new socket; the closed one has %d of the %d it was sent",
                                receiver.count(), expected).isEqualTo(1));
                assertThat(restarted.texts().get(0)).isEqualTo("1:Wazuh-Docker:{\"after\":\"restart\"}");
            }
        }
    }
}
