package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wazuh restarts on real AF_UNIX datagram sockets: what the old socket's queue held unread reaches the new socket,
 * and a socket that was only slow gets nothing twice.
 */
class WazuhRestartQueueTest {
    @TempDir
    Path dir;

    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    private static byte[] datagram(int n) {
        return ("1:Wazuh-Docker:{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String text(int n) {
        return new String(datagram(n), StandardCharsets.UTF_8);
    }

    private WazuhQueue queue(Path path) {
        return new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT), resent::incrementAndGet,
                refused::incrementAndGet, System::nanoTime);
    }

    /** Sends from {@code first} until the socket is full; returns the numbers it accepted. */
    private static List<Integer> fill(WazuhQueue queue, int first) {
        List<Integer> accepted = new ArrayList<>();
        for (int n = first; ; n++) {
            try {
                queue.send(datagram(n));
                accepted.add(n);
            } catch (AlertSink.SinkUnavailableException e) {
                assertThat(e.getMessage()).contains("queue full");
                return accepted;
            } catch (AlertSink.SinkRejectedException e) {
                throw new AssertionError(e);
            }
            assertThat(accepted).as("a bounded queue fills").hasSizeLessThan(10_000);
        }
    }

    /** Sends {@code n}, retrying once: the first send may meet the old, closed socket. */
    private static void sendAfterRestart(WazuhQueue queue, int n) throws Exception {
        try {
            queue.send(datagram(n));
        } catch (AlertSink.SinkUnavailableException firstTryOnTheOldSocket) {
            queue.send(datagram(n));
        }
    }

    @Test
    void whatARestartedWazuhHeldUnreadIsSentToTheNewSocketAndCounted() throws Exception {
        Path path = dir.resolve("queue");
        List<Integer> queued;
        Set<String> readByTheOld;
        try (WazuhQueue queue = queue(path)) {
            try (DatagramReceiver old = DatagramReceiver.bind(path)) {
                for (int n = 0; n < 100; n++) {
                    queue.send(datagram(n));
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> old.count() == 100);
                old.stopReading();
                queued = fill(queue, 1000);
                readByTheOld = new HashSet<>(old.texts());
            } // Wazuh stops: its socket is closed and unlinked, and the kernel drops what its queue held
            assertThat(queued).as("accepted by the kernel, never read").isNotEmpty();
            List<String> unread = queued.stream().map(WazuhRestartQueueTest::text)
                    .filter(t -> !readByTheOld.contains(t)).toList();
            assertThat(unread).isNotEmpty();

            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                sendAfterRestart(queue, 5000);
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.texts().contains(text(5000)));
                List<String> got = restarted.texts();
                assertThat(got).containsAll(unread);
                assertThat(got.get(got.size() - 1)).as("the resent ones first, in order").isEqualTo(text(5000));
                assertThat(got.subList(got.size() - 1 - unread.size(), got.size() - 1)).isEqualTo(unread);
                // The duplicates: the resent datagrams the old socket had already passed to its reader.
                assertThat(resent.get()).isEqualTo(got.size() - 1)
                        .isLessThanOrEqualTo(ResendWindow.DEFAULT_DATAGRAMS);
                assertThat(got.size() - 1 - unread.size()).isLessThanOrEqualTo(ResendWindow.DEFAULT_DATAGRAMS);

                queue.send(datagram(5001));
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.texts().contains(text(5001)));
                assertThat(resent.get()).as("sent again once, not at every send").isEqualTo(got.size() - 1);
            }
        }
    }

    /**
     * What Wazuh's own state said it held lately (wazuh-agentd's buffer, analysisd's event queue: a restart hands
     * neither on) is sent again to the new socket with the kernel's queue's worth. Before, only the kernel's queue's
     * worth was: the alerts Wazuh had taken from the socket and not yet passed on were lost, committed.
     */
    @Test
    void whatWazuhSaidItHeldItselfIsSentAgainToTheNewSocket() throws Exception {
        Path path = dir.resolve("queue");
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        try (WazuhQueue queue = new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT, held),
                resent::incrementAndGet, refused::incrementAndGet, System::nanoTime)) {
            try (DatagramReceiver old = DatagramReceiver.bind(path)) {
                for (int n = 0; n < 300; n++) {
                    queue.send(datagram(n));
                }
                await().atMost(Duration.ofSeconds(5)).until(() -> old.count() == 300); // the kernel's queue empty
                held.read(150, System.nanoTime()); // agentd's state: 150 events in its buffer
                held.read(0, System.nanoTime()); // the restarted agentd's first state: the peak still counts
            }
            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                sendAfterRestart(queue, 300);
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.texts().contains(text(300)));
                int again = ResendWindow.DEFAULT_DATAGRAMS + 150;
                List<String> expected = new ArrayList<>();
                for (int n = 300 - again; n <= 300; n++) {
                    expected.add(text(n));
                }
                assertThat(restarted.texts()).isEqualTo(expected);
                assertThat(resent.get()).isEqualTo(again);
            }
        }
    }

    /**
     * A datagram of the window that the new socket refuses for its size (sent with a smaller send buffer than the
     * old socket took it with) is left out, counted and logged, and the rest goes on. Before, the refusal was taken
     * for the datagram being sent, which was rejected (dead-lettered), and the refused one stayed at the head: every
     * later send was rejected the same way until a restart.
     */
    @Test
    void aResentDatagramTheNewSocketRefusesForItsSizeIsLeftOutAndTheRestGoesOn() throws Exception {
        Path path = dir.resolve("queue");
        AtomicInteger opened = new AtomicInteger();
        byte[] large = ("1:Wazuh-Docker:{\"large\":\"" + "x".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (WazuhQueue queue = new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT),
                resent::incrementAndGet, refused::incrementAndGet, System::nanoTime, channel -> {
                    if (opened.incrementAndGet() > 1) { // the new socket's: 4 KiB (8 KiB as the kernel doubles it)
                        channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 4096);
                    }
                }, SocketPath.Attributes.FILES)) {
            try (DatagramReceiver old = DatagramReceiver.bind(path)) {
                queue.send(datagram(0));
                queue.send(large);
                queue.send(datagram(1));
                await().atMost(Duration.ofSeconds(5)).until(() -> old.count() == 3);
            }
            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                sendAfterRestart(queue, 2);
                queue.send(datagram(3));
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.texts().contains(text(3)));
                assertThat(restarted.texts()).containsExactly(text(0), text(1), text(2), text(3));
                assertThat(refused.get()).isEqualTo(1);
                assertThat(resent.get()).isEqualTo(2);
            }
        }
    }

    @Test
    void aHungWazuhWhoseSocketWasReplacedAtThePathIsLeftAndItsQueueSentToTheNewOne() throws Exception {
        Path path = dir.resolve("queue");
        try (WazuhQueue queue = queue(path);
             DatagramReceiver hung = DatagramReceiver.bind(path)) {
            queue.send(datagram(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> hung.count() == 1);
            hung.stopReading();
            List<Integer> queued = fill(queue, 1);
            Set<String> readByTheHung = new HashSet<>(hung.texts());
            // A new Wazuh unlinks the path and binds there; the old process holds its socket, full, unread.
            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                assertThatThrownBy(() -> queue.send(datagram(5000)))
                        .isInstanceOf(AlertSink.SinkUnavailableException.class)
                        .hasMessageContaining("socket replaced");
                queue.send(datagram(5000));
                await().atMost(Duration.ofSeconds(5)).until(() -> restarted.texts().contains(text(5000)));
                assertThat(restarted.texts()).containsAll(queued.stream().map(WazuhRestartQueueTest::text)
                        .filter(t -> !readByTheHung.contains(t)).toList());
                assertThat(resent.get()).isPositive().isLessThanOrEqualTo(ResendWindow.DEFAULT_DATAGRAMS);
            }
        }
    }

    @Test
    void aWazuhThatWasOnlySlowGetsNothingTwice() throws Exception {
        Path path = dir.resolve("queue");
        try (WazuhQueue queue = queue(path);
             DatagramReceiver receiver = DatagramReceiver.bind(path)) {
            receiver.stopReading();
            List<Integer> queued = fill(queue, 0);
            assertThatThrownBy(() -> queue.send(datagram(5000)))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class).hasMessageContaining("queue full");
            // A datagram the socket refuses for its size is not taken for a restart either.
            assertThatThrownBy(() -> queue.send(new byte[300_000]))
                    .isInstanceOf(AlertSink.SinkRejectedException.class);
            receiver.resumeReading();
            queue.send(datagram(5000));
            int expected = queued.size() + 1;
            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == expected);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> receiver.count() == expected);
            assertThat(resent.get()).isZero();
            assertThat(new HashSet<>(receiver.texts())).hasSize(expected);
        }
    }
}
