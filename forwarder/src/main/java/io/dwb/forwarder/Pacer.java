package io.dwb.forwarder;

import java.util.function.LongSupplier;

/**
 * Token bucket for {@code --eps}: at most {@code eps} datagrams a second on average, with a burst of 1/20 s worth,
 * never dropping (the caller waits). The Wazuh agent's own bucket drops what exceeds its rate; lag in Kafka is the
 * better place for a backlog. {@code eps <= 0} means unpaced.
 */
public final class Pacer {
    private final double tokensPerNano;
    private final double burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    /** @param nanoClock monotonic nanoseconds ({@code System::nanoTime}; a test's fake clock) */
    public Pacer(int eps, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.tokensPerNano = eps / 1e9;
        this.burst = Math.max(1.0, Math.ceil(eps / 20.0));
        this.tokens = eps > 0 ? 1.0 : 0;
        this.last = nanoClock.getAsLong();
    }

    public boolean unlimited() {
        return tokensPerNano <= 0;
    }

    /** Nanoseconds until one datagram may go; 0 when it may go now. Does not take the token. */
    public long waitNanos() {
        if (unlimited()) {
            return 0;
        }
        refill();
        return tokens >= 1.0 ? 0 : (long) Math.ceil((1.0 - tokens) / tokensPerNano);
    }

    /** How many datagrams may go now, one after the other, without waiting. */
    public int available() {
        if (unlimited()) {
            return Integer.MAX_VALUE;
        }
        refill();
        return (int) tokens;
    }

    /** Takes the token of a datagram that was sent. */
    public void take() {
        if (!unlimited()) {
            refill();
            tokens -= 1.0;
        }
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) * tokensPerNano);
        last = now;
    }
}
