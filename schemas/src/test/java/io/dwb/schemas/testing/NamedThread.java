package io.dwb.schemas.testing;

import java.util.concurrent.CountDownLatch;

/**
 * A thread of a given name that runs until ended: stands for a Kafka client's network thread, which the processes
 * watch by name (one that died of a shortage of memory would never send again).
 */
public final class NamedThread {
    private final Thread thread;
    private final CountDownLatch release = new CountDownLatch(1);

    private NamedThread(String name) {
        thread = new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Started, running until {@link #end}. */
    public static NamedThread running(String name) {
        NamedThread named = new NamedThread(name);
        named.thread.start();
        return named;
    }

    /** Ends it, and waits until it has ended. */
    public void end() throws InterruptedException {
        release.countDown();
        thread.join();
    }
}
