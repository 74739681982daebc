package io.dwb.forwarder;

import java.util.Set;

/**
 * The forwarder's handler of what no thread caught. It runs without {@code -XX:+ExitOnOutOfMemoryError}, so that its
 * delivery loop may survive a poll of a record too large to read ({@link UnreadableRecordSearch}); while that poll
 * fills the heap, another thread may run out too. An OutOfMemoryError that ends the delivery loop's thread or one the
 * forwarder cannot do without (the sending thread) exits the JVM with 3, as the flag did; one that ends a thread of a
 * library's pool (the metrics library's scheduler, whose pool starts another) is logged. Kafka's threads keep their
 * own handler, which logs: {@link ClientThreads} checks them.
 */
final class OutOfMemoryExit implements Thread.UncaughtExceptionHandler {
    static final int STATUS = 3;
    /** Threads without which the forwarder does not work, beside the delivery loop's ({@code main}). */
    private static final Set<String> VITAL = Set.of("main", SendingThread.NAME);

    /** Makes this the handler of every thread that has none of its own. */
    static void install() {
        Thread.setDefaultUncaughtExceptionHandler(new OutOfMemoryExit());
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (e instanceof OutOfMemoryError && VITAL.contains(t.getName())) {
            System.err.println("Terminating due to " + e + " (thread " + t.getName() + ")");
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
        System.err.print("Exception in thread \"" + t.getName() + "\" "); // what the JVM prints without a handler
        e.printStackTrace(System.err);
    }
}
