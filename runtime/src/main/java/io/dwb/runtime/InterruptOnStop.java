package io.dwb.runtime;

import java.util.function.Supplier;

/**
 * A stop request that cuts short a wait on Kafka: while a thread is {@link #during} one, {@link #stop} interrupts
 * it, and Kafka's clients give the wait up at once (an admin call's future, a producer's {@code initTransactions}, a
 * consumer's lookup throw), where it used to last until their timeouts, 30 to 60 s after the stop: as long as
 * systemd's default stop timeout, 60 s. Only the waits passed to {@link #during} are interrupted, never a commit.
 * Thread-safe.
 */
public final class InterruptOnStop {
    private boolean stopped;
    /** The thread inside {@link #during}, else null. */
    private Thread waiting;

    /** From a signal handler: interrupts the wait in progress, and any wait begun afterwards at its start. */
    public synchronized void stop() {
        stopped = true;
        if (waiting != null) {
            waiting.interrupt();
        }
    }

    public synchronized boolean stopped() {
        return stopped;
    }

    /**
     * Runs {@code wait} on the calling thread, interrupted by a stop requested before or during it. It fails then as
     * its client fails on an interrupt (the caller tells a stop from a failure by {@link #stopped}); the interrupt is
     * cleared when it returns, so that it does not cut short what the caller does next (closing its clients).
     */
    public <T> T during(Supplier<T> wait) {
        enter();
        try {
            return wait.get();
        } finally {
            leave();
        }
    }

    /** As {@link #during(Supplier)}, for a wait without a result. */
    public void during(Runnable wait) {
        during(() -> {
            wait.run();
            return null;
        });
    }

    private synchronized void enter() {
        if (waiting != null) {
            throw new IllegalStateException("one wait at a time: " + waiting.getName() + " is waiting");
        }
        waiting = Thread.currentThread();
        if (stopped) {
            waiting.interrupt(); // a stop that came just before is as one during: no wait begins after it
        }
    }

    private synchronized void leave() {
        waiting = null;
        if (stopped) {
            Thread.interrupted(); // ours: the wait is over
        }
    }
}
