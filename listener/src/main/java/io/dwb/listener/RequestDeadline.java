package io.dwb.listener;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Closes one request's client once the engine has been silent for longer than its timeout: the request then fails at
 * once. docker-java's Unix socket reads through a channel, which no socket timeout reaches, so an engine that takes
 * the connection and never answers (a hung dockerd) held the thread for good: the start, the engine's clock before each
 * resume, the liveness probe, the container list after a gap. Silence is counted from the request and from each read
 * of its answer, as a socket timeout counts it. The checks are the JDK's delayed tasks ({@link
 * CompletableFuture#delayedExecutor}, on the common pool): no thread of the listener's own waits.
 */
final class RequestDeadline implements AutoCloseable {
    private final Closeable client;
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private volatile long deadlineNanos;
    private volatile boolean done;
    private volatile boolean fired;

    /** Starts counting now: {@code client} is closed {@code timeout} after the last sign of the engine. */
    RequestDeadline(Closeable client, Duration timeout, LongSupplier nanoClock) {
        this.client = client;
        this.timeoutNanos = timeout.toNanos();
        this.nanoClock = nanoClock;
        this.deadlineNanos = nanoClock.getAsLong() + timeoutNanos;
        checkIn(timeoutNanos);
    }

    /** The engine answered something: the silence counts again from now. */
    void touch() {
        deadlineNanos = nanoClock.getAsLong() + timeoutNanos;
    }

    /** {@code body}, each read of which is a sign of the engine. */
    InputStream watching(InputStream body) {
        return new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                touch();
                return b;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                int n = super.read(bytes, offset, length);
                touch();
                return n;
            }
        };
    }

    /** Whether it closed the client: the request failed for the engine's silence. */
    boolean fired() {
        return fired;
    }

    private void checkIn(long nanos) {
        CompletableFuture.delayedExecutor(Math.max(1, nanos), TimeUnit.NANOSECONDS).execute(this::check);
    }

    private void check() {
        if (done) {
            return;
        }
        long left = deadlineNanos - nanoClock.getAsLong();
        if (left > 0) {
            checkIn(left);
            return;
        }
        fired = true;
        try {
            client.close(); // cuts its socket: the blocked read fails at once
        } catch (IOException | RuntimeException e) {
            // nothing left to save: the request fails either way
        }
    }

    /** The request is over: nothing is closed for it any more. */
    @Override
    public void close() {
        done = true;
    }
}
