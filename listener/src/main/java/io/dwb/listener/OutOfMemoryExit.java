package io.dwb.listener;

/**
 * Exits the JVM (3, as {@code -XX:+ExitOnOutOfMemoryError} does) on an OutOfMemoryError no thread caught. The
 * listener does without that flag, so that its checkpoint lookup may survive a poll of a record too large to read
 * ({@link CheckpointStore}: a record of a million empty headers); everywhere else an OutOfMemoryError still ends the
 * process, for a clean start. Kafka's own threads keep their handler, which logs: the lookup checks the producers'
 * network threads after a poll out of memory ({@link KafkaNetworkThreads}).
 */
final class OutOfMemoryExit implements Thread.UncaughtExceptionHandler {
    static final int STATUS = 3;

    /** Makes this the handler of every thread that has none of its own. */
    static void install() {
        Thread.setDefaultUncaughtExceptionHandler(new OutOfMemoryExit());
    }

    @Override
    public void uncaughtException(Thread t, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            System.err.println("Terminating due to " + e + " (thread " + t.getName() + ")");
            System.err.flush();
            Runtime.getRuntime().halt(STATUS);
        }
        System.err.print("Exception in thread \"" + t.getName() + "\" "); // what the JVM prints without a handler
        e.printStackTrace(System.err);
    }
}
