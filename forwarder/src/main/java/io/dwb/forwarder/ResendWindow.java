package io.dwb.forwarder;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The last datagrams the Wazuh queue socket accepted, within a bound by count and by bytes: what may still have been
 * waiting, unread, in the kernel's queue of a socket that was then replaced (Wazuh restarted), and is sent again to the
 * new one, with what Wazuh's state said it held itself ({@link WazuhHeld}). The kernel holds at most {@code
 * net.unix.max_dgram_qlen + 1} datagrams in a receiver's queue (10 + 1 by default), and a sender's datagrams waiting
 * there count against its send buffer ({@code SO_SNDBUF}, by default {@code net.core.wmem_default} = 212992 bytes,
 * with per-datagram overhead): a bound above both covers all of them.
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
    private final WazuhHeld held;
    private final ArrayDeque<byte[]> kept = new ArrayDeque<>();
    private long bytes;
    /** Datagrams accepted and no longer kept: what a resend wanting more than is kept may miss. */
    private long dropped;

    public ResendWindow(Bound bound) {
        this(bound, new WazuhHeld());
    }

    /**
     * @param held what Wazuh's state says it held lately: that many more datagrams are kept and sent again, beyond
     *             the bound (at most {@link WazuhHeld#MAX_BYTES} more bytes)
     */
    ResendWindow(Bound bound, WazuhHeld held) {
        this.bound = bound;
        this.held = held;
    }

    /** Keeps a datagram the socket accepted, dropping the oldest ones beyond the bound. */
    public void accepted(byte[] datagram) {
        held.sent();
        kept.addLast(datagram);
        bytes += datagram.length;
        long beyond = following() ? held.capacity() : 0;
        long maxBytes = (long) bound.bytes() + (beyond > 0 ? WazuhHeld.MAX_BYTES : 0);
        while (!kept.isEmpty() && (kept.size() > bound.datagrams() + beyond || bytes > maxBytes)) {
            bytes -= kept.removeFirst().length;
            dropped++;
        }
    }

    /** The kept datagrams, oldest first. */
    public List<byte[]> datagrams() {
        return List.copyOf(kept);
    }

    /**
     * What a new socket gets again after a restart: the newest datagrams, as many as the kernel's queue may have held
     * ({@link Bound#datagrams}) and as Wazuh said it held ({@link WazuhHeld}, used up by it).
     *
     * @param missing how many of those the window no longer kept (its bytes bound): lost if Wazuh held them
     */
    record Resend(List<byte[]> datagrams, int heldByWazuh, int missing) {}

    Resend resend() {
        int heldByWazuh = following() ? held.held() : 0;
        held.resent();
        long wanted = (long) bound.datagrams() + heldByWazuh;
        List<byte[]> all = List.copyOf(kept);
        int from = (int) Math.max(0, all.size() - wanted);
        int missing = (int) Math.min(dropped, Math.max(0, wanted - all.size()));
        return new Resend(all.subList(from, all.size()), heldByWazuh, missing);
    }

    /** Whether what Wazuh held is kept and sent again: not when the resend is off (either bound 0). */
    private boolean following() {
        return bound.datagrams() > 0 && bound.bytes() > 0;
    }

    public int size() {
        return kept.size();
    }

    public long bytes() {
        return bytes;
    }
}
