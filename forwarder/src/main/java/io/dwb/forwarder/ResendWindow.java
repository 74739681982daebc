package io.dwb.forwarder;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last datagrams the Wazuh queue socket accepted, within a bound by count and by bytes: what may still have been
 * waiting, unread, in the kernel's queue of a socket that was then replaced (Wazuh restarted), and is sent again to the
 * new one. The kernel holds at most {@code net.unix.max_dgram_qlen + 1} datagrams in a receiver's queue (10 + 1 by
 * default), and a sender's datagrams waiting there count against its send buffer ({@code SO_SNDBUF}, by default
 * {@code net.core.wmem_default} = 212992 bytes, with per-datagram overhead): a bound above both covers all of them.
 * Not thread-safe: owned by the delivery loop's thread, through {@link WazuhQueue}.
 */
public final class ResendWindow {
    /** Linux's default {@code net.unix.max_dgram_qlen} is 10; a margin for raised settings and other senders. */
    public static final int DEFAULT_DATAGRAMS = 64;
    /** Above the default send buffer (212992 bytes), the most our datagrams can take in the receiver's queue. */
    public static final int DEFAULT_BYTES = 256 * 1024;

    /**
     * How much is kept.
     *
     * @param datagrams at most this many datagrams; 0 keeps none (a replaced socket's queue is lost)
     * @param bytes     at most this many bytes, all kept datagrams together
     */
    public record Bound(int datagrams, int bytes) {
        public static final Bound DEFAULT = new Bound(DEFAULT_DATAGRAMS, DEFAULT_BYTES);

        public Bound {
            if (datagrams < 0 || bytes < 0) {
                throw new IllegalArgumentException("bounds must be >= 0: " + datagrams + ", " + bytes);
            }
        }
    }

    private final Bound bound;
    private final ArrayDeque<byte[]> kept = new ArrayDeque<>();
    private long bytes;

    public ResendWindow(Bound bound) {
        this.bound = bound;
    }

    /** Keeps a datagram the socket accepted, dropping the oldest ones beyond the bound. */
    public void accepted(byte[] datagram) {
        kept.addLast(datagram);
        bytes += datagram.length;
        while (!kept.isEmpty() && (kept.size() > bound.datagrams() || bytes > bound.bytes())) {
            bytes -= kept.removeFirst().length;
        }
    }

    /** The kept datagrams, oldest first. */
    public List<byte[]> datagrams() {
        return List.copyOf(kept);
    }

    public int size() {
        return kept.size();
    }

    public long bytes() {
        return bytes;
    }
}
