package io.dwb.runtime;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP as a stop request instead of the JVM's immediate exit (SIGHUP: the terminal of a process
 * run by hand closed; the bridge has nothing to reload): the first asks the process's loop to finish (commit what it
 * has), the command's {@code call()} then returns and {@link Launcher} exits with its code, 0 after a requested stop.
 * A signal handler rather than a shutdown hook, because a hook runs while the JVM is already exiting (with 143) and
 * would have to halt it to report 0.
 *
 * <p>A second signal ends the process at once, with the shell's code for the signal (128 + its number: 130 for
 * SIGINT, 143 for SIGTERM), as a second Ctrl-C does to {@code docker compose up}: a person who pressed Ctrl-C while
 * Kafka does not answer would otherwise wait out {@code --stop-timeout} or the Kafka timeout. What was not committed
 * is read again at the next start (the listener's events from its checkpoint, the forwarder's alerts delivered
 * again). Only {@value #SAME_STOP_MILLIS} ms or more after the first: within it, a signal is the same stop sent twice
 * (coreutils' {@code timeout} sends its SIGTERM to the command, then to its whole process group: a replay under it
 * was ended at once, its stop unfinished, not said).
 */
public final class StopSignal {
    private static final Logger log = LoggerFactory.getLogger(StopSignal.class);
    private static final List<String> STOPPING = List.of("TERM", "INT", "HUP");
    /** How long after the first signal another is the same stop, not a second one. */
    static final long SAME_STOP_MILLIS = 1000;

    /**
     * When the first signal came; null before. Set at once with the test of being first: the JVM runs each signal's
     * handler on a thread of its own, so two sent together race.
     */
    private final AtomicReference<Long> firstNanos = new AtomicReference<>();
    private final IntConsumer halt;
    private final LongSupplier nanoClock;
    private volatile Runnable stop;

    StopSignal(Runnable stop, IntConsumer halt, LongSupplier nanoClock) {
        this.stop = stop;
        this.halt = halt;
        this.nanoClock = nanoClock;
    }

    /**
     * Handles the stop signals from now on.
     *
     * @param stop thread-safe and quick: it runs on a thread the JVM starts for the signal, at the first one
     */
    public static StopSignal onStop(Runnable stop) {
        StopSignal handler = new StopSignal(stop, status -> Runtime.getRuntime().halt(status), System::nanoTime);
        STOPPING.forEach(name -> Signal.handle(new Signal(name), signal ->
                handler.received("SIG" + signal.getName(), signal.getNumber())));
        return handler;
    }

    /**
     * What the first signal does from now on, in place of what it did: a process whose stop changes as it starts
     * (the forwarder: before and once it runs). A signal already received is not run again, and the next is the
     * second.
     */
    public void then(Runnable next) {
        stop = next;
    }

    void received(String name, int number) {
        long now = nanoClock.getAsLong();
        if (firstNanos.compareAndSet(null, now)) {
            log.info("{}: stopping (another signal, a second or more after this one, exits at once)", name);
            stop.run();
            return;
        }
        // A thread that read the clock before the first's: negative, the same stop.
        if (now - firstNanos.get() < SAME_STOP_MILLIS * 1_000_000L) {
            log.debug("{} again within {} ms of the first: the same stop", name, SAME_STOP_MILLIS);
            return;
        }
        log.warn("{} again: exiting at once, the stop unfinished (what was not committed is read again at the next "
                + "start)", name);
        halt.accept(128 + number);
    }
}
