package io.dwb.forwarder;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Kafka clients' network threads (the dead-letter producer's sends, the consumer's background work under
 * {@code group.protocol=consumer}, the open-transaction watch's admin client), as last seen alive. They end on an
 * Error, logging it only: after an OutOfMemoryError the loop survived, a client whose thread died of it too would never
 * send again, so the forwarder exits instead. (The classic consumer's heartbeat thread is not one of them: its end is
 * thrown at the next poll, which the loop survives, and Kafka starts another.)
 */
final class ClientThreads {
    private static final List<String> PREFIXES = List.of("kafka-producer-network-thread",
            "consumer_background_thread");
    /** The watch's admin client lives as long as the forwarder; the dead-letter topic's checks' do not. */
    private static final String ADMIN_PREFIX = "kafka-admin-client-thread";
    private static final String WATCH_SUFFIX = OpenTransactionWatch.CLIENT_ID_SUFFIX;

    /** Every client thread ever seen: one that died between two looks is still found. */
    private final Set<Thread> seen = new HashSet<>();

    /** Notes the clients' threads alive now (once a second: a thread list of a few dozen, no stack traces). */
    void observe() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            String name = threads[i].getName();
            for (String prefix : PREFIXES) {
                if (name.startsWith(prefix) || name.startsWith(ADMIN_PREFIX) && name.endsWith(WATCH_SUFFIX)) {
                    seen.add(threads[i]);
                    break;
                }
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
