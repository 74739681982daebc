package io.dwb.runtime;

import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP as a stop request instead of the JVM's immediate exit (SIGHUP: the terminal of a process
 * run by hand closed; the bridge has nothing to reload): {@code stop} asks the process's loop to
 * finish (commit what it has), the command's {@code call()} then returns and {@link Launcher} exits with its code,
 * 0 after a requested stop. A signal handler rather than a shutdown hook, because a hook runs while the JVM is
 * already exiting (with 143) and would have to halt it to report 0.
 */
public final class StopSignal {
    private StopSignal() {}

    /** @param stop thread-safe and quick: it runs on the JVM's signal thread, once per signal received */
    public static void onStop(Runnable stop) {
        Signal.handle(new Signal("TERM"), signal -> stop.run());
        Signal.handle(new Signal("INT"), signal -> stop.run());
        Signal.handle(new Signal("HUP"), signal -> stop.run());
    }
}
