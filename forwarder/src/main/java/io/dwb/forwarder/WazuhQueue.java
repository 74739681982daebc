package io.dwb.forwarder;

import java.io.IOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The Wazuh queue socket ({@code /var/ossec/queue/sockets/queue}): AF_UNIX SOCK_DGRAM through junixsocket (the JDK
 * has no AF_UNIX datagrams). One connected, non-blocking channel is reused; a would-block send means the reader is
 * not keeping up (socket full) and is reported as unavailable instead of hanging. After any failure the channel is
 * reopened on the next send, so a Wazuh restart (a new socket at the same path) is picked up.
 */
public final class WazuhQueue implements AlertSink {
    private static final long FULL_GRACE_NANOS = 200_000_000L;

    private final Path path;
    private AFUNIXDatagramChannel channel;

    public WazuhQueue(Path path) {
        this.path = path;
    }

    @Override
    public void send(byte[] datagram) throws SinkUnavailableException, SinkRejectedException {
        try {
            if (channel == null) {
                channel = open();
            }
            ByteBuffer buffer = ByteBuffer.wrap(datagram);
            long giveUp = System.nanoTime() + FULL_GRACE_NANOS;
            // The receiver's queue is short (net.unix.max_dgram_qlen, often 10): a reading Wazuh frees it within
            // milliseconds, so a brief wait is flow control, not an outage; only a lasting full queue pauses.
            while (channel.write(buffer) == 0) {
                if (System.nanoTime() > giveUp) {
                    throw new SinkUnavailableException("queue full: " + path + " is not being read");
                }
                Thread.sleep(1);
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
