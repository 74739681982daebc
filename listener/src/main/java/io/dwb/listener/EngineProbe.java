package io.dwb.listener;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Watches one events subscription from a second connection: GET /_ping every interval, each with a short timeout.
 * The engine sends nothing on an idle events stream, so silence there proves nothing; a ping that cannot get an
 * answer does, unless the events stream itself delivered meanwhile ({@link #streamRead}): an engine slow to answer
 * pings (a starved dockerd, a swarm manager's lock) while it streamed events was taken for gone, the stream cut, and
 * what passed the engine's replay of 256 events meanwhile lost. Once {@link EngineLiveness} says the engine is gone,
 * {@code onGone} is called once (the stream then drops its connection and the listener resumes from the checkpoint).
 * Runs on its own daemon thread.
 */
public final class EngineProbe implements AutoCloseable {
    /** {@code --engine-probe-interval} and {@code --engine-probe-timeout}. */
    public record Settings(Duration interval, Duration timeout) {
        /** The documented bound: a black-holed connection is dropped this long after its last answer at most. */
        public Duration detectionTime() {
            return interval.plus(timeout);
        }
    }

    private static final long NONE = Long.MIN_VALUE;

    private final Runnable ping;
    private final EngineLiveness liveness;
    private final LongSupplier nanoTime;
    private final Consumer<String> onGone;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;
    private final Duration timeout;
    private volatile boolean streamOpen;
    /** nanoTime of the events stream's last read, {@link #NONE} before any. */
    private volatile long lastReadNanos = NONE;

    /**
     * @param ping   one probe: returns when the engine answered, throws when it did not within the timeout
     * @param onGone called once, on the probe's thread, with the reason
     */
    EngineProbe(Settings settings, Runnable ping, LongSupplier nanoTime, Consumer<String> onGone) {
        this.ping = ping;
        this.nanoTime = nanoTime;
        this.onGone = onGone;
        this.timeout = settings.timeout();
        this.liveness = new EngineLiveness(settings.interval(), settings.timeout(), nanoTime.getAsLong());
        this.thread = new Thread(this::run, "engine-probe");
        thread.setDaemon(true);
    }

    EngineProbe start() {
        thread.start();
        return this;
    }

    /** The engine has begun its response to GET /events (its headers arrived). */
    void streamOpened() {
        streamOpen = true;
    }

    /** The events stream delivered bytes: the connection the probe watches for is alive, an answer as a ping's. */
    void streamRead() {
        lastReadNanos = nanoTime.getAsLong();
    }

    private void run() {
        String lastFailure = null;
        while (true) {
            long wait = liveness.nextCheckNanos(streamOpen) - nanoTime.getAsLong();
            try {
                if (closed.await(Math.max(0, wait), TimeUnit.NANOSECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (nanoTime.getAsLong() - liveness.nextProbeNanos() >= 0) {
                liveness.probed(nanoTime.getAsLong());
                try {
                    ping.run();
                    liveness.answered(nanoTime.getAsLong());
                } catch (RuntimeException e) {
                    lastFailure = e.getMessage();
                }
            }
            if (closed.getCount() == 0) {
                return;
            }
            long read = lastReadNanos;
            if (read != NONE) {
                liveness.answered(read);
            }
            EngineLiveness.Verdict verdict = liveness.gone(nanoTime.getAsLong(), streamOpen);
            if (verdict == EngineLiveness.Verdict.EVENTS_NOT_ANSWERED) {
                onGone.accept("GET /events got no response in " + timeout.toMillis() + " ms: the connection is "
                        + "taken as half-open");
                return;
            }
            if (verdict == EngineLiveness.Verdict.PROBES_NOT_ANSWERED) {
                onGone.accept("no answer to GET /_ping, and nothing on the events stream, for "
                        + liveness.silenceLimit().toMillis() + " ms (" + lastFailure + "): the connection is taken "
                        + "as half-open");
                return;
            }
        }
    }

    /** Stops probing; returns without waiting for a probe in flight (it gives up within its timeout). */
    @Override
    public void close() {
        closed.countDown();
    }
}
