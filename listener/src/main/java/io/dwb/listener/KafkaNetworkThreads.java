package io.dwb.listener;

import java.util.ArrayList;
import java.util.List;

/**
 * The Kafka producers' network threads alive at one moment (the listener's transactional producer's, which sends
 * every record and commit). Such a thread ends on an Error, logging it only: after an OutOfMemoryError the checkpoint
 * lookup survived, a producer whose thread died of it too would never send again, so the listener exits instead.
 */
final class KafkaNetworkThreads {
    private static final String PREFIX = "kafka-producer-network-thread";

    private final List<Thread> seen;

    private KafkaNetworkThreads(List<Thread> seen) {
        this.seen = seen;
    }

    /** The producers' network threads alive now (a thread list of a few dozen, no stack traces). */
    static KafkaNetworkThreads alive() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        List<Thread> producers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (threads[i].getName().startsWith(PREFIX)) {
                producers.add(threads[i]);
            }
        }
        return new KafkaNetworkThreads(producers);
    }

    /** The name of one of them that has ended since, else null. */
    String died() {
        for (Thread t : seen) {
            if (!t.isAlive()) {
                return t.getName();
            }
        }
        return null;
    }
}
