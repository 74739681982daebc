package io.dwb.runtime;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The {@code /metrics} body, collected at most once a {@link #FRESH_NANOS}: every request within it is answered with
 * the same body. A collection runs the JVM metrics' two deadlock detections, each a stop of every thread of the
 * process; any local user who reaches the port scraping in a loop stopped the capture or delivery threads hundreds of
 * times a second (1.9 s of stops over 619 scrapes in 10 s). Prometheus scrapes every 15 s or so: a body a second old
 * is as good. Thread-safe: requests during a collection wait for it.
 */
final class RenderedScrape {
    static final long FRESH_NANOS = 1_000_000_000L;

    private final Supplier<byte[]> collect;
    private final LongSupplier nanoClock;
    private byte[] body;
    private long collectedAtNanos;

    /** @param nanoClock monotonic nanoseconds ({@code System::nanoTime}; a test's fake clock) */
    RenderedScrape(Supplier<byte[]> collect, LongSupplier nanoClock) {
        this.collect = collect;
        this.nanoClock = nanoClock;
    }

    synchronized byte[] body() {
        long now = nanoClock.getAsLong();
        if (body == null || now - collectedAtNanos >= FRESH_NANOS) {
            body = collect.get();
            collectedAtNanos = now;
        }
        return body;
    }
}
