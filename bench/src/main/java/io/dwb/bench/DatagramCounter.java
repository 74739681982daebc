package io.dwb.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The Wazuh queue stand-in for throughput runs: an AF_UNIX SOCK_DGRAM socket bound at a path, read on its own
 * thread one {@code recv} per datagram (as Wazuh does), counting datagrams and remembering when the first and the
 * target-th arrived. Keeps no datagrams (a million would not fit), only the first one for checking, and hands each
 * to an optional {@link Observer} (latency runs).
 */
public final class DatagramCounter implements AutoCloseable {
    /** Called on the reading thread for each datagram; {@code arrivalEpochNanos} is taken right after recv. */
    public interface Observer {
        void datagram(ByteBuffer datagram, long arrivalEpochNanos);
    }

    private final Path path;
    private final AFUNIXDatagramChannel channel;
    private final Observer observer;
    private final Thread reader;
    private volatile long count;
    private volatile long firstNanos;
    private volatile long targetNanos;
    private volatile long target = Long.MAX_VALUE;
    private volatile byte[] first;

    public DatagramCounter(Path path, Observer observer) throws IOException {
        this.path = path;
        this.observer = observer;
        Files.deleteIfExists(path);
        channel = AFUNIXDatagramChannel.open();
        channel.bind(AFUNIXSocketAddress.of(path));
        reader = new Thread(this::read, "datagram-counter");
        reader.setDaemon(true);
        reader.start();
    }

    public Path path() {
        return path;
    }

    private void read() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(65536 + 1);
        try {
            while (true) {
                buffer.clear();
                channel.receive(buffer);
                long now = System.nanoTime();
                buffer.flip();
                long n = count + 1;
                if (n == 1) {
                    firstNanos = now;
                    byte[] copy = new byte[buffer.remaining()];
                    buffer.duplicate().get(copy);
                    first = copy;
                }
                if (observer != null) {
                    observer.datagram(buffer, EpochClock.nowNanos());
                }
                if (n == target) {
                    targetNanos = now;
                }
                count = n; // single writer
            }
        } catch (ClosedChannelException e) {
            // closed: done
        } catch (IOException e) {
            if (channel.isOpen()) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Remember when the {@code n}-th datagram arrives; call before the sender starts. */
    public void target(long n) {
        this.target = n;
    }

    public long count() {
        return count;
    }

    public byte[] first() {
        return first;
    }

    /** System.nanoTime() of the first datagram, 0 before it. */
    public long firstNanos() {
        return firstNanos;
    }

    /**
     * Waits until the target count is reached; returns the System.nanoTime() it was reached at.
     * @throws IllegalStateException with how many arrived when it is not reached in time or {@code alive} fails
     */
    public long awaitTarget(Duration timeout, java.util.function.BooleanSupplier alive) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (targetNanos == 0) {
            if (System.nanoTime() > deadline || !alive.getAsBoolean()) {
                throw new IllegalStateException("only " + count + " of " + target + " datagrams arrived"
                        + (alive.getAsBoolean() ? " within " + timeout.toSeconds() + " s" : " (the sender died)"));
            }
            Thread.sleep(5);
        }
        return targetNanos;
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
