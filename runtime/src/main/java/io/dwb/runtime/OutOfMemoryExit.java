package io.dwb.runtime;

import java.util.function.Predicate;

/**
 * The handler of what no thread caught, for a process that runs without {@code -XX:+ExitOnOutOfMemoryError} so that
 * one of its Kafka consumers may survive a poll of a record too large to read (a record of a million empty headers is
 * ~61 MB of Kafka's objects before any deserializer runs): an OutOfMemoryError that ends a thread the process cannot
 * do without exits the JVM with 3, as the flag did; one that ends another thread (a library pool's worker, which its
 * pool replaces) is printed as the JVM would. Kafka's own threads keep their handler, which logs: each process checks
 * its clients' network threads after a poll out of memory.
 */
public final class OutOfMemoryExit implements Thread.UncaughtExceptionHandler {
    /** The exit status, {@code -XX:+ExitOnOutOfMemoryError}'s. */
    public static final int STATUS = 3;

    private final Predicate<String> vital;

    private OutOfMemoryExit(Predicate<String> vital) {
        this.vital = vital;
    }

    /**
     * Makes this the handler of every thread that has none of its own.
     *
     * @param vital by its name, whether a thread's OutOfMemoryError ends the process
     */
    public static void install(Predicate<String> vital) {
        Thread.setDefaultUncaughtExceptionHandler(new OutOfMemoryExit(vital));
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (e instanceof OutOfMemoryError && vital.test(t.getName())) {
            System.err.println("Terminating due to " + e + " (thread " + t.getName() + ")");
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
        System.err.print("Exception in thread \"" + t.getName() + "\" "); // what the JVM prints without a handler
        e.printStackTrace(System.err);
    }
}
