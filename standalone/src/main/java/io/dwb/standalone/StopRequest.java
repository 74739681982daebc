package io.dwb.standalone;

import java.util.function.BooleanSupplier;

/**
 * The stop signal's target from the process's start on: a flag while the broker starts (its log recovery, the
 * SCRAM and admin calls, the topics), which the start sequence checks to close the broker and return; once the
 * bridge runs, its {@link Bridge#requestStop()}. Before, the signal handler was set only once the bridge ran: a
 * SIGTERM during the start ended the JVM as is (exit 143, which the units count as success) with the broker never
 * closed, and the next start recovered its logs again (a stop during a long recovery repeated it every time).
 * Thread-safe: {@link #request()} runs on the JVM's signal thread.
 */
final class StopRequest implements BooleanSupplier {
    private boolean requested;
    private Runnable target;

    /** The signal: noted, and passed on to the running bridge when there is one. */
    void request() {
        Runnable now;
        synchronized (this) {
            requested = true;
            now = target;
        }
        if (now != null) {
            now.run();
        }
    }

    /** Whether a stop was asked for. */
    @Override
    public synchronized boolean getAsBoolean() {
        return requested;
    }

    /** From now on a stop runs {@code stop}; at once when one was asked for before. */
    void handTo(Runnable stop) {
        boolean already;
        synchronized (this) {
            target = stop;
            already = requested;
        }
        if (already) {
            stop.run();
        }
    }
}
