package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.LogLines;
import java.net.StandardSocketOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way a send to the Wazuh queue fails ({@link SendFailure}), on real AF_UNIX datagram sockets, through the writer
 * the delivery uses (a MockProducer for the dead-letter topic): which datagrams arrive, how many times, what is
 * dead-lettered, counted and logged. The queue's channel gets an 8 KiB send buffer (4 KiB asked, doubled by the
 * kernel), as on a host whose {@code net.core.wmem_max} is that low, so that a datagram of 10,000 bytes gets a real
 * EMSGSIZE. A refused socket and a replaced one are {@link WazuhRestartQueueTest}'s; a missing or unreachable one
 * {@link WazuhQueueTest}'s and {@link SocketPathTest}'s. The transient errors have no test of their own: junixsocket
 * returns ENOBUFS and ENOMEM as it returns EAGAIN (0 bytes written, no exception), which is the full queue here, and
 * retries EINTR inside.
 */
class SendFailureTest {
    private static final int SEND_BUFFER_ASKED = 4096;

    @TempDir
    Path dir;

    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final MockProducer<byte[], byte[]> deadLetters = new MockProducer<>(true, null,
            new ByteArraySerializer(), new ByteArraySerializer());
    private final AtomicInteger resent = new AtomicInteger();
    @RegisterExtension
    final LogLines lines = LogLines.of(WazuhQueue.class, StateChanges.class);
    private long offset;

    /** The kernel's rule, which decides {@link SendFailure#TOO_LONG}: the buffer less 32 bytes goes, 1 more not. */
    @Test
    void aDatagramIsTooLongExactlyWhenItIsOverTheSendBufferLess32Bytes() throws Exception {
        Path path = dir.resolve("queue");
        AtomicInteger sendBuffer = new AtomicInteger();
        try (DatagramReceiver receiver = DatagramReceiver.bind(path);
             WazuhQueue queue = smallBufferQueue(path, sendBuffer)) {
            queue.send(datagram("first", 0));
            int longest = sendBuffer.get() - SendFailure.UNIX_DATAGRAM_OVERHEAD;
            queue.send(datagram("fits", longest));
            assertThatThrownBy(() -> queue.send(datagram("over", longest + 1)))
                    .isInstanceOf(AlertSink.SinkRejectedException.class)
                    .hasMessageStartingWith("the socket refused the datagram: " + (longest + 1) + " bytes, more than "
                            + "its send buffer takes (" + sendBuffer.get() + " bytes less 32; EMSGSIZE: ");
            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == 2);
            assertThat(receiver.datagrams().get(1)).hasSize(longest);
        }
        assertThat(SendFailure.ofSend(8161, 8192, false)).isEqualTo(SendFailure.TOO_LONG);
        assertThat(SendFailure.ofSend(8161, 8192, true)).as("the size is checked first")
                .isEqualTo(SendFailure.TOO_LONG);
        assertThat(SendFailure.ofSend(8160, 8192, true)).isEqualTo(SendFailure.REFUSING);
        assertThat(SendFailure.ofSend(8160, 8192, false)).isEqualTo(SendFailure.ERROR);
        assertThat(SendFailure.ofSend(100_000, -1, false)).as("a buffer not read says nothing")
                .isEqualTo(SendFailure.ERROR);
    }

    /**
     * EMSGSIZE on a socket that reads: the datagram is dead-lettered once ('rejected'), the ones before and after it
     * arrive once each, nothing is sent again. This held before in an English locale only: the refusal was told by
     * strerror's text, so under {@code LANG=de_DE.UTF-8} ("Die Nachricht ist zu lang") it was taken for a lost socket:
     * the datagram was never dead-lettered but retried for ever, delivery stopped, and the window was sent again at
     * each retry.
     */
    @Test
    void aDatagramOverTheSendBufferIsDeadLetteredOnceAndTheOthersArriveOnce() throws Exception {
        Path path = dir.resolve("queue");
        try (DatagramReceiver receiver = DatagramReceiver.bind(path);
             WazuhQueue queue = smallBufferQueue(path, new AtomicInteger())) {
            DatagramWriter writer = writer(queue);
            writer.write(outgoing(datagram("a", 0)));
            writer.write(outgoing(datagram("too-long", 10_000)));
            writer.write(outgoing(datagram("b", 0)));

            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == 2);
            assertThat(names(receiver)).containsExactly("a", "b");
            assertThat(deadLetters.history()).hasSize(1);
            ProducerRecord<byte[], byte[]> letter = deadLetters.history().get(0);
            assertThat(HeaderNames.read(letter.headers(), HeaderNames.ERROR_REASON))
                    .isEqualTo(DeadLetterReason.REJECTED.code());
            assertThat(HeaderNames.read(letter.headers(), HeaderNames.SOURCE_OFFSET)).isEqualTo("1");
            assertThat(HeaderNames.read(letter.headers(), HeaderNames.ERROR_MESSAGE)).contains("EMSGSIZE");
            assertThat(metrics.sentTotal()).isEqualTo(2);
            assertThat(metrics.socketErrorsTotal()).isEqualTo(1);
            assertThat(resent.get()).isZero();
            assertThat(lines.messages(Level.WARN, "sent to events-dlq")).hasSize(1);
            assertThat(lines.messages(Level.WARN, "is a new socket")).isEmpty();
        }
    }

    /**
     * EMSGSIZE keeps the channel, so a Wazuh restart after it is seen as after any other datagram: the old socket's
     * unread datagrams go to the new one. Before, the refusal closed the channel without taking the socket for lost;
     * the next send connected to the new socket straight away, and what the old one held unread was lost without a
     * word (here two alerts, whose records were committed).
     */
    @Test
    void aWazuhRestartAfterADatagramRefusedForItsSizeStillGetsTheWindowAgain() throws Exception {
        Path path = dir.resolve("queue");
        try (WazuhQueue queue = smallBufferQueue(path, new AtomicInteger())) {
            DatagramWriter writer = writer(queue);
            try (DatagramReceiver old = DatagramReceiver.bind(path)) {
                old.stopReading(); // Wazuh busy: what it is sent waits in its socket's queue
                writer.write(outgoing(datagram("a", 0)));
                writer.write(outgoing(datagram("b", 0)));
                writer.write(outgoing(datagram("too-long", 10_000)));
                assertThat(deadLetters.history()).hasSize(1);
            } // Wazuh restarts: the kernel drops what its socket held unread
            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                Outbox.Outgoing c = outgoing(datagram("c", 0));
                List<String> refusals = new ArrayList<>();
                try {
                    writer.write(c);
                } catch (Outbox.Refused onTheOldSocket) {
                    refusals.add(onTheOldSocket.getMessage());
                    writer.write(c); // the loop's retry
                }
                writer.write(outgoing(datagram("d", 0)));

                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(names(restarted))
                        .as("before: c and d only").containsExactly("a", "b", "c", "d"));
                assertThat(refusals).singleElement().asString()
                        .startsWith("socket refusing: nothing reads " + path);
                assertThat(resent.get()).as("sent again once, to the new socket").isEqualTo(2);
                assertThat(lines.messages(Level.WARN, "is a new socket")).hasSize(1);
                assertThat(deadLetters.history()).as("the refused one, once").hasSize(1);
                assertThat(metrics.socketErrorsTotal()).as("the refusal for its size, then the closed socket")
                        .isEqualTo(2);
            }
        }
    }

    /**
     * A queue full through the grace (EAGAIN; ENOBUFS and ENOMEM come back from junixsocket the same way): the same
     * datagram is refused for now and taken later on the same socket, once; nothing is sent again, nothing
     * dead-lettered.
     */
    @Test
    void aFullQueueTakesTheSameDatagramLaterOnceAndNothingIsSentAgain() throws Exception {
        Path path = dir.resolve("queue");
        try (DatagramReceiver receiver = DatagramReceiver.bind(path);
             WazuhQueue queue = new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT),
                     resent::incrementAndGet, () -> { }, System::nanoTime)) {
            DatagramWriter writer = writer(queue);
            receiver.stopReading();
            List<String> accepted = new ArrayList<>();
            Outbox.Outgoing refused = null;
            for (int n = 0; refused == null; n++) {
                Outbox.Outgoing outgoing = outgoing(datagram("n" + n, 0));
                try {
                    writer.write(outgoing);
                    accepted.add("n" + n);
                } catch (Outbox.Refused e) {
                    assertThat(e.getMessage()).isEqualTo("queue full: " + path + " is not being read");
                    refused = outgoing;
                }
                assertThat(accepted).as("a bounded queue fills").hasSizeLessThan(10_000);
            }
            receiver.resumeReading();
            writer.write(refused);

            List<String> expected = new ArrayList<>(accepted);
            expected.add("n" + accepted.size());
            await().atMost(Duration.ofSeconds(5)).until(() -> receiver.count() == expected.size());
            assertThat(names(receiver)).isEqualTo(expected);
            assertThat(resent.get()).isZero();
            assertThat(deadLetters.history()).isEmpty();
            assertThat(metrics.socketErrorsTotal()).isEqualTo(1);
            assertThat(metrics.sentTotal()).isEqualTo(expected.size());
        }
    }

    /**
     * A channel this process cannot set up (EMFILE, say) is a socket error, not "nothing reads" the socket, which told
     * the operator Wazuh was down; a socket file nobody reads is still said so.
     */
    @Test
    void aChannelThatCannotBeSetUpIsASocketErrorAndASocketNobodyReadsIsSaidRefusing() throws Exception {
        Path path = dir.resolve("queue");
        try (DatagramReceiver receiver = DatagramReceiver.bind(path);
             WazuhQueue queue = new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT),
                     resent::incrementAndGet, () -> { }, System::nanoTime, channel -> {
                         throw new IOException("Too many open files");
                     }, SocketPath.Attributes.FILES)) {
            assertThatThrownBy(() -> queue.send(datagram("a", 0)))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class)
                    .hasMessage("socket error: " + path + ": Too many open files");
        }
        Path nobody = dir.resolve("queue-nobody-reads");
        try (DatagramReceiver gone = DatagramReceiver.bind(dir.resolve("queue-gone"))) {
            Files.createLink(nobody, gone.path()); // a second name: the socket file stays once its reader is gone
        }
        try (WazuhQueue queue = new WazuhQueue(nobody, new ResendWindow(ResendWindow.Bound.DEFAULT),
                resent::incrementAndGet, () -> { }, System::nanoTime)) {
            assertThatThrownBy(() -> queue.send(datagram("a", 0)))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class)
                    .hasMessageStartingWith("socket refusing: nothing reads " + nobody);
        }
    }

    /** Only the datagrams that lose the socket close the channel and send the window again. */
    @Test
    void whatEachFailureDoesToTheSocketAndItsWindow() {
        assertThat(List.of(SendFailure.values()).stream().filter(SendFailure::losesSocket))
                .containsExactly(SendFailure.REFUSING, SendFailure.REPLACED, SendFailure.ERROR);
        assertThat(SendFailure.ofConnect(SocketPath.MISSING, true)).isEqualTo(SendFailure.MISSING);
        assertThat(SendFailure.ofConnect(SocketPath.DENIED, true)).isEqualTo(SendFailure.UNREACHABLE);
        assertThat(SendFailure.ofConnect(SocketPath.PRESENT, true)).isEqualTo(SendFailure.REFUSING);
        assertThat(SendFailure.ofConnect(SocketPath.PRESENT, false)).as("not this user's to write to")
                .isEqualTo(SendFailure.ERROR);
    }

    /** A queue whose channels have a send buffer of 4 KiB asked (8 KiB as the kernel doubles it), read back. */
    private WazuhQueue smallBufferQueue(Path path, AtomicInteger sendBuffer) {
        return new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT), resent::incrementAndGet, () -> { },
                System::nanoTime, channel -> {
                    channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER_ASKED);
                    sendBuffer.set(channel.getOption(StandardSocketOptions.SO_SNDBUF));
                }, SocketPath.Attributes.FILES);
    }

    private DatagramWriter writer(AlertSink sink) {
        return new DatagramWriter(sink, new AlertPipeline.Mode.Live(
                new DeadLetterQueue("events-dlq", new Properties(), deadLetters, System::currentTimeMillis),
                new SilentHostWatch()), metrics, System::currentTimeMillis);
    }

    /** A datagram named {@code name}, padded to {@code length} bytes when that is more. */
    private static byte[] datagram(String name, int length) {
        String text = "1:Wazuh-Docker:" + name + " ";
        return (text + "x".repeat(Math.max(0, length - text.length()))).getBytes(StandardCharsets.UTF_8);
    }

    private Outbox.Outgoing outgoing(byte[] datagram) {
        return new Outbox.Outgoing(datagram, AlertKind.Engine.EVENT, new ConsumerRecord<>("events", 0, offset++,
                System.currentTimeMillis(), TimestampType.CREATE_TIME, 0, datagram.length, new byte[0], datagram,
                new RecordHeaders(), Optional.empty()), null);
    }

    private static List<String> names(DatagramReceiver receiver) {
        return receiver.texts().stream().map(t -> t.substring("1:Wazuh-Docker:".length(), t.indexOf(' '))).toList();
    }
}
