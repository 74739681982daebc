package io.dwb.forwarder;

import java.util.ArrayList;
import java.util.List;

/**
 * The Kafka clients' network threads (the dead-letter producer's sends, the consumer's background work under
 * {@code group.protocol=consumer}), as last seen alive. The producer's thread ends on an Error, logging it only:
 * after an OutOfMemoryError the loop survived, a client whose thread died of it too would never send again, so the
 * forwarder exits instead. (The classic consumer's heartbeat thread is not one of them: its end is thrown at the
 * next poll, which the loop survives, and Kafka starts another.)
 */
final class ClientThreads {
    private static final List<String> PREFIXES = List.of("kafka-producer-network-thread",
            "consumer_background_thread");

    private List<Thread> seen = List.of();

    /** Notes the clients' threads alive now (once a second: a thread list of a few dozen, no stack traces). */
    void observe() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = threads[i].getName();
            for (String prefix : PREFIXES) {
                if (name.startsWith(prefix)) {
                    clients.add(threads[i]);
                    break;
                }
            }
        }
        seen = clients;
    }

    /** Whether a client's thread seen alive has ended since. */
    boolean anyDied() {
        for (Thread t : seen) {
            if (!t.isAlive()) {
                return true;
            }
        }
        return false;
    }
}
