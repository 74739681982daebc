package io.dwb.forwarder;

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The Wazuh queue socket ({@code /var/ossec/queue/sockets/queue}): AF_UNIX SOCK_DGRAM through junixsocket (the JDK
 * has no AF_UNIX datagrams). One connected, non-blocking channel is reused; a would-block send means the reader is
 * not keeping up (socket full): the sender waits for writability on a selector (the kernel wakes it as soon as the
 * reader frees a slot) for up to a short grace, then reports the queue unavailable instead of hanging. After any failure the channel is
 * reopened on the next send, so a Wazuh restart (a new socket at the same path) is picked up.
 */
public final class WazuhQueue implements AlertSink {
    private static final long FULL_GRACE_NANOS = 200_000_000L;

    private final Path path;
    private AFUNIXDatagramChannel channel;
    /** Holds {@link #channel} registered for OP_WRITE; opened and closed with it. */
    private Selector writable;

    public WazuhQueue(Path path) {
        this.path = path;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        try {
            if (channel == null) {
                channel = open();
                writable = AFUNIXSelectorProvider.provider().openSelector();
                channel.register(writable, SelectionKey.OP_WRITE);
            }
            ByteBuffer buffer = ByteBuffer.wrap(datagram);
            long giveUp = System.nanoTime() + FULL_GRACE_NANOS;
            // The receiver's queue is short (net.unix.max_dgram_qlen, often 10): a reading Wazuh frees it within
            // milliseconds, so a brief wait is flow control, not an outage; only a lasting full queue pauses.
            while (channel.write(buffer) == 0) {
                long remaining = giveUp - System.nanoTime();
                if (remaining <= 0) {
                    throw new SinkUnavailableException("queue full: " + path + " is not being read");
                }
                // select(0) would wait forever: wait at least 1 ms, at most what is left of the grace
                writable.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
                writable.selectedKeys().clear();
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
            }
        } catch (SinkUnavailableException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkUnavailableException("interrupted while waiting for " + path);
        } catch (IOException e) {
            closeQuietly();
            String message = String.valueOf(e.getMessage());
            if (message.contains("too long") || message.contains("EMSGSIZE")) {
                throw new SinkRejectedException("the socket refused the datagram (" + datagram.length
                        + " bytes): " + message);
            }
            throw new SinkUnavailableException(describe(e));
        }
    }

    private AFUNIXDatagramChannel open() throws IOException, SinkUnavailableException {
        if (!Files.exists(path)) {
            throw new SinkUnavailableException("socket missing: " + path + " does not exist (is Wazuh running?)");
        }
        AFUNIXDatagramChannel opened = AFUNIXDatagramChannel.open();
        try {
            opened.configureBlocking(false);
            opened.connect(AFUNIXSocketAddress.of(path));
            return opened;
        } catch (IOException e) {
            opened.close();
            throw e;
        }
    }

    private String describe(IOException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SocketException && message.toLowerCase().contains("refused")) {
            return "socket refusing: nothing reads " + path + " (" + message + ")";
        }
        return "socket error on " + path + ": " + message;
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
