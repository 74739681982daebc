package io.dwb.forwarder;

import io.dwb.runtime.LogText;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Wazuh queue socket ({@code /var/ossec/queue/sockets/queue}): AF_UNIX SOCK_DGRAM through junixsocket (the JDK
 * has no AF_UNIX datagrams). One connected, non-blocking channel is reused; a would-block send means the reader is
 * not keeping up (socket full): the sender waits for writability on a selector (the kernel wakes it as soon as the
 * reader frees a slot) for up to a short grace, then reports the queue unavailable instead of hanging. What each
 * failure does is its {@link SendFailure}'s: one that loses the socket closes the channel, and the next send opens
 * another, so a Wazuh restart (a new socket at the same path) is picked up; a full queue or a datagram refused for its
 * size keeps the channel, and with it the sight of that socket's end.
 *
 * <p>A restart also discards what the old socket's queue held: datagrams the kernel accepted, whose records were
 * then committed, but which Wazuh never read. So when the connected socket is gone (a send is refused: its reader
 * closed it) or was replaced (a full queue, and the path now names another socket), the first send on the next
 * socket is preceded by the datagrams of the {@link ResendWindow}, counted by {@code onResent}: at least once, the
 * duplicates bounded by the window. The window keeps the arrays passed to {@link #send}: callers must not reuse them.
 * Each channel's send buffer is raised to hold the largest alert ({@link #raiseSendBuffer}).
 */
public final class WazuhQueue implements AlertSink {
    private static final Logger log = LoggerFactory.getLogger(WazuhQueue.class);
    private static final long FULL_GRACE_NANOS = 200_000_000L;

    private final Path path;
    private final ResendWindow window;
    private final Runnable onResent;
    private final Runnable onResendRefused;
    private final LongSupplier nanoClock;
    private final ChannelSetup setup;
    private final SocketPath.Attributes attributes;
    private AFUNIXDatagramChannel channel;
    /** Holds {@link #channel} registered for OP_WRITE; opened and closed with it. */
    private Selector writable;
    /** Which socket file {@link #channel} was connected to (device and inode), to tell a replaced one. */
    private Object socketKey;
    /** The last connected socket is gone with its queue: the next one first gets the window again. */
    private boolean socketLost;
    /** What is still to be sent again to the current socket before anything new. */
    private final ArrayDeque<byte[]> resending = new ArrayDeque<>();

    /** A queue that sends nothing again after a restart (for tests of other behaviour). */
    WazuhQueue(Path path) {
        this(path, new ResendWindow(new ResendWindow.Bound(0, 0)), () -> { }, () -> { }, System::nanoTime);
    }

    /**
     * @param onResent        called for each datagram sent again to a new socket (a possible duplicate)
     * @param onResendRefused called for each of them the new socket refused for its size (left out, and logged)
     * @param nanoClock       monotonic nanoseconds, for the grace a full queue is given
     */
    public WazuhQueue(Path path, ResendWindow window, Runnable onResent, Runnable onResendRefused,
                      LongSupplier nanoClock) {
        this(path, window, onResent, onResendRefused, nanoClock, channel -> { }, SocketPath.Attributes.FILES);
    }

    /**
     * @param setup      applied to each channel opened, after its send buffer is raised ({@link #raiseSendBuffer}) and
     *                   before it connects (a test's smaller send buffer)
     * @param attributes how the socket file is looked at before connecting (a test's permission denied)
     */
    WazuhQueue(Path path, ResendWindow window, Runnable onResent, Runnable onResendRefused, LongSupplier nanoClock,
               ChannelSetup setup, SocketPath.Attributes attributes) {
        this.path = path;
        this.nanoClock = nanoClock;
        this.window = window;
        this.onResent = onResent;
        this.onResendRefused = onResendRefused;
        this.setup = setup;
        this.attributes = attributes;
    }

    /** What is done to a channel before it connects. */
    @FunctionalInterface
    interface ChannelSetup {
        void apply(AFUNIXDatagramChannel channel) throws IOException;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        try {
            if (channel == null) {
                connect();
            }
            resend();
            write(datagram);
            window.accepted(datagram);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException(Refusal.Other.INTERRUPTED, "interrupted while waiting for " + path);
        } catch (Failed failed) {
            if (failed.failure.losesSocket() && channel != null) {
                lost(); // its reader closed it, or it was replaced: the kernel dropped (or nobody reads) its queue
                closeQuietly();
            }
            if (failed.failure == SendFailure.TOO_LONG) {
                throw new SinkRejectedException(failed.getMessage()); // the channel is kept: nothing else is wrong
            }
            throw new SinkUnavailableException(failed.failure, failed.getMessage());
        }
    }

    /** A send that did not go through, and why. */
    private static final class Failed extends Exception {
        private final SendFailure failure;

        Failed(SendFailure failure, String detail) {
            super(failure.words() + ": " + detail, null, false, false);
            this.failure = failure;
        }
    }

    private void connect() throws Failed {
        SocketPath found = SocketPath.of(path, attributes);
        if (found != SocketPath.PRESENT) {
            throw new Failed(SendFailure.ofConnect(found, false), found.problem(path));
        }
        try {
            channel = open();
            writable = AFUNIXSelectorProvider.provider().openSelector();
            channel.register(writable, SelectionKey.OP_WRITE);
        } catch (Failed e) {
            closeQuietly();
            throw e;
        } catch (IOException e) {
            // Not the connect's (a socket or selector this process could not have: EMFILE, say): nothing said of
            // the socket file; it said "nothing reads" it, which told the operator Wazuh was down
            closeQuietly();
            throw new Failed(SendFailure.ERROR, path + ": " + text(e));
        }
        if (socketLost && window.size() > 0) {
            ResendWindow.Resend again = window.resend();
            resending.addAll(again.datagrams());
            log.warn("{} is a new socket (Wazuh restarted): sending the last {} datagrams again, which the "
                    + "old one may have held unread{}{}", path, resending.size(), again.heldByWazuh() == 0 ? ""
                    : " or Wazuh held itself (its state said " + again.heldByWazuh() + " events lately, its other "
                    + "modules' too; a restart does not hand them on)", again.missing() == 0 ? "" : "; "
                    + again.missing() + " older ones it may have held were no longer kept (over "
                    + WazuhHeld.MAX_BYTES / (1024 * 1024) + " MiB): lost if it held them");
        }
        socketLost = false;
    }

    /**
     * Sends what is left of the window again. One the new socket refuses for its size (a smaller send buffer than
     * the old one's) is left out and said: it was the one refused, not the datagram being sent, and kept at the head
     * it refused every later send, so each new alert was dead-lettered until a restart.
     */
    private void resend() throws Failed, InterruptedException {
        while (!resending.isEmpty()) {
            byte[] head = resending.peek();
            try {
                write(head);
                onResent.run();
            } catch (Failed failed) {
                if (failed.failure != SendFailure.TOO_LONG) {
                    throw failed;
                }
                onResendRefused.run();
                log.warn("{} refused a datagram sent again after the restart for its size ({}); it is left out "
                        + "(the old socket had accepted it, its record is committed; Wazuh has it only if the old one "
                        + "was read): {}", path, failed.getMessage(),
                        LogText.bounded(new String(head, 0, Math.min(head.length, 300), StandardCharsets.UTF_8), 300));
            }
            resending.poll();
        }
    }

    /** Writes one datagram, waiting up to the grace while the queue is full. */
    private void write(byte[] datagram) throws Failed, InterruptedException {
        ByteBuffer buffer = ByteBuffer.wrap(datagram);
        long giveUp = nanoClock.getAsLong() + FULL_GRACE_NANOS;
        // The receiver's queue is short (net.unix.max_dgram_qlen, often 10): a reading Wazuh frees it within
        // milliseconds, so a brief wait is flow control, not an outage; only a lasting full queue pauses.
        while (attempt(buffer, datagram.length) == 0) {
            long remaining = giveUp - nanoClock.getAsLong();
            if (remaining <= 0) {
                if (replaced()) { // a hung Wazuh's socket, unlinked: what it holds will not be read
                    throw new Failed(SendFailure.REPLACED, path + " is a new socket; the old one is full and not "
                            + "being read");
                }
                throw new Failed(SendFailure.FULL, path + " is not being read");
            }
            // select(0) would wait forever: wait at least 1 ms, at most what is left of the grace
            try {
                writable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
            } catch (IOException e) {
                throw new Failed(SendFailure.ERROR, path + ": " + text(e));
            }
            writable.selectedKeys().clear();
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * One non-blocking write of a datagram of {@code length} bytes: the bytes taken, 0 when the kernel cannot take
     * them now (junixsocket then leaves the buffer as it was; after an exception it is not: its position has moved).
     */
    private int attempt(ByteBuffer buffer, int length) throws Failed {
        try {
            return channel.write(buffer);
        } catch (IOException e) {
            int sendBuffer = sendBuffer();
            SendFailure failure = SendFailure.ofSend(length, sendBuffer, disconnected());
            throw new Failed(failure, switch (failure) {
                case TOO_LONG -> length + " bytes, more than its send buffer takes (" + sendBuffer + " bytes less "
                        + SendFailure.UNIX_DATAGRAM_OVERHEAD + "; EMSGSIZE: " + text(e) + ")";
                case REFUSING -> "nothing reads " + path + " (" + text(e) + ")";
                default -> path + ": " + text(e);
            });
        }
    }

    /** The channel's send buffer as the kernel holds it; -1 if it cannot be read (a channel closed under the send). */
    private int sendBuffer() {
        try {
            return channel.getOption(StandardSocketOptions.SO_SNDBUF);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Whether the kernel disconnected the channel, which it does when a send finds the peer closed (its peer's name,
     * read anew from the kernel, is then none); not when the channel itself was closed under the send.
     */
    private boolean disconnected() {
        try {
            return channel.isOpen() && channel.getRemoteAddress() == null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static String text(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void lost() {
        socketLost = true;
        resending.clear(); // all of the window goes to the next socket
    }

    /** Whether the path now names another socket file than the one connected to. */
    private boolean replaced() {
        Object now = fileKey();
        return now != null && !Objects.equals(now, socketKey);
    }

    private Object fileKey() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null; // gone for now: a refused send or a missing socket tells the rest
        }
    }

    private AFUNIXDatagramChannel open() throws IOException, Failed {
        AFUNIXDatagramChannel opened = AFUNIXDatagramChannel.open();
        try {
            opened.configureBlocking(false);
            raiseSendBuffer(opened);
            setup.apply(opened);
            socketKey = fileKey(); // before connecting: a replacement in between is seen as one later
            try {
                opened.connect(AFUNIXSocketAddress.of(path));
            } catch (IOException e) {
                // The connect's own failure: what the path shows after it says why (gone, unreachable, not this
                // user's to write to, or nothing reads it)
                SocketPath now = SocketPath.of(path, attributes);
                SendFailure failure = SendFailure.ofConnect(now, Files.isWritable(path));
                throw new Failed(failure, switch (failure) {
                    case REFUSING -> "nothing reads " + path + " (" + text(e) + ")";
                    case MISSING, UNREACHABLE -> now.problem(path);
                    default -> path + ": " + text(e);
                });
            }
            return opened;
        } catch (IOException | Failed e) {
            opened.close();
            throw e;
        }
    }

    /**
     * What each channel's send buffer ({@code SO_SNDBUF}) holds at least: the largest alert ({@link
     * AlertTrimmer#MAX_DATAGRAM}) and the kernel's own per-datagram overhead, with room to spare. Linux refuses a
     * datagram above the buffer less 32 bytes (EMSGSIZE, which the forwarder takes for this alert's fault and
     * dead-letters as 'rejected'): a host whose {@code net.core.wmem_default} is lower refused alerts within the bound.
     */
    static final int SEND_BUFFER = AlertTrimmer.MAX_DATAGRAM + 4096;

    /**
     * Raises {@code channel}'s send buffer to {@link #SEND_BUFFER} when it is below, as Wazuh's own senders do; never
     * lowers it (the default, 212,992 bytes on most hosts, lets more datagrams wait in the reader's queue). The kernel
     * doubles what is asked for and caps it at {@code net.core.wmem_max}: a buffer that stays lower is no error (the
     * alerts that do not fit are refused as before), said at DEBUG.
     */
    static void raiseSendBuffer(AFUNIXDatagramChannel channel) {
        try {
            int before = channel.getOption(StandardSocketOptions.SO_SNDBUF);
            if (before >= SEND_BUFFER) {
                return;
            }
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
            int after = channel.getOption(StandardSocketOptions.SO_SNDBUF);
            if (after < SEND_BUFFER) {
                log.debug("the Wazuh queue's send buffer is {} bytes, below the {} asked for (net.core.wmem_max): "
                        + "an alert near {} bytes may be refused", after, SEND_BUFFER, AlertTrimmer.MAX_DATAGRAM);
            }
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("cannot raise the Wazuh queue's send buffer to {} bytes: {}", SEND_BUFFER, e.toString());
        }
    }

    private void closeQuietly() {
        if (writable != null) {
            try {
                writable.close();
            } catch (IOException ignored) {
                // nothing to keep: a new selector comes with the next channel
            }
            writable = null;
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already broken; a new channel is opened on the next send
            }
            channel = null;
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
