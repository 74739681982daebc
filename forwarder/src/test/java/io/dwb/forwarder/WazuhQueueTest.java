package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The queue socket's states as the forwarder sees them, on real AF_UNIX datagram sockets. */
class WazuhQueueTest {
    @TempDir
    Path dir;

    private static byte[] datagram(String text) {
        return ("1:Wazuh-Docker:" + text).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A host whose {@code net.core.wmem_default} is below the largest alert (65,341 bytes and the kernel's overhead)
     * refused each alert that size with EMSGSIZE, and the forwarder dead-lettered it 'rejected', while Wazuh's own
     * senders raise their send buffer. The channel's buffer is set as such a host's (4 KiB, 8 KiB as the kernel doubles
     * it), then raised as the queue raises each channel it opens; the largest alert then goes through.
     */
    @Test
    void aSendBufferBelowTheLargestAlertIsRaisedSoThatTheAlertIsNotRefused() throws Exception {
        Path path = dir.resolve("queue");
        byte[] largest = datagram("\"" + "x".repeat(AlertTrimmer.MAX_DATAGRAM - datagram("\"\"").length) + "\"");
        assertThat(largest).hasSize(AlertTrimmer.MAX_DATAGRAM);
        try (DatagramReceiver receiver = DatagramReceiver.bind(path);
             AFUNIXDatagramChannel channel = AFUNIXDatagramChannel.open()) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
            assertThat(channel.getOption(StandardSocketOptions.SO_SNDBUF)).as("as on a host with a small default")
                    .isLessThan(AlertTrimmer.MAX_DATAGRAM);
            WazuhQueue.raiseSendBuffer(channel);
            assertThat(channel.getOption(StandardSocketOptions.SO_SNDBUF)).as("raised (this host's wmem_max "
                    + "permitting)").isGreaterThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM + 1024);
            channel.connect(AFUNIXSocketAddress.of(path));
            assertThat(channel.write(ByteBuffer.wrap(largest))).as("not EMSGSIZE").isEqualTo(largest.length);
            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == 1);
        }
        // Each channel the queue opens: at least that, whatever this host's default (here, possibly above it already).
        AtomicInteger seen = new AtomicInteger();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue2"));
             WazuhQueue queue = new WazuhQueue(dir.resolve("queue2"), new ResendWindow(ResendWindow.Bound.DEFAULT),
                     () -> { }, () -> { }, System::nanoTime,
                     channel -> seen.set(channel.getOption(StandardSocketOptions.SO_SNDBUF)),
                     SocketPath.Attributes.FILES)) {
            queue.send(largest);
            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == 1);
            assertThat(seen.get()).isGreaterThanOrEqualTo(AlertTrimmer.MAX_DATAGRAM + 1024);
        }
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
