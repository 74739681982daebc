package io.dwb.forwarder;

import java.util.HashSet;
import java.util.Set;

/**
 * The network threads of the forwarder's long-lived Kafka clients (the dead-letter producer's, the open-transaction
 * watch's admin client's), by their exact names, as last seen alive. They end on an Error, logging it only: after an
 * OutOfMemoryError the loop survived, a client whose thread died of it too would never send again, so the forwarder
 * exits instead. (The classic consumer's heartbeat thread is not one of them: its end is thrown at the next poll,
 * which the loop survives, and Kafka starts another.) Exact names, so that other clients of the same JVM (the
 * standalone's listener) may start and close theirs.
 */
final class ClientThreads {
    static final ClientThreads NONE = new ClientThreads(Set.of());

    private final Set<String> names;
    /** Every such thread ever seen: one that died between two looks is still found. */
    private final Set<Thread> seen = new HashSet<>();

    ClientThreads(Set<String> names) {
        this.names = Set.copyOf(names);
    }

    /** The network thread of the producer whose {@code client.id} is {@code clientId}. */
    static String producer(String clientId) {
        return "kafka-producer-network-thread | " + clientId;
    }

    /** The network thread of the admin client whose {@code client.id} is {@code clientId}. */
    static String admin(String clientId) {
        return "kafka-admin-client-thread | " + clientId;
    }

    /** Notes the clients' threads alive now (once a second: a thread list of a few dozen, no stack traces). */
    void observe() {
        if (names.isEmpty()) {
            return;
        }
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            if (names.contains(threads[i].getName())) {
                seen.add(threads[i]);
            }
        }
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
