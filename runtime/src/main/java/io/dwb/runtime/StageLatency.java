package io.dwb.runtime;

import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * A per-stage latency histogram in seconds ({@code _bucket{le=...}}, {@code _sum}, {@code _count}), over the fixed
 * {@link #BUCKETS}: the same buckets in every stage, so a dashboard compares them bucket by bucket. A latency
 * measured between two clocks (an engine's event time and this host's) can come out negative when the first runs
 * ahead: it counts as 0, in the first bucket, so that the count still equals the events measured.
 */
public final class StageLatency {
    /**
     * Upper bounds in seconds: 10 ms to 1 s for a bridge keeping up, up to an hour for a backlog delivered after an
     * outage (then +Inf).
     */
    public static final double[] BUCKETS = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};

    private final Histogram histogram;

    /** Registers {@code name} (ending in {@code _seconds}) in {@code registry}. */
    public StageLatency(PrometheusRegistry registry, String name, String help) {
        if (!name.endsWith("_seconds")) {
            throw new IllegalArgumentException("a latency histogram's name ends in _seconds: " + name);
        }
        this.histogram = Histogram.builder().name(name).help(help).classicUpperBounds(BUCKETS).classicOnly()
                .register(registry);
    }

    /** One latency, in nanoseconds; a negative one (clocks apart) counts as 0. */
    public void observeNanos(long nanos) {
        histogram.observe(Math.max(0, nanos) / 1e9);
    }

    /** Latencies observed so far. */
    public long count() {
        return histogram.getCount();
    }
}
