package io.dwb.runtime;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Network threads of Kafka clients, as last seen alive. Kafka's clients run one such thread each, and it ends on an
 * Error, logging it only: after an OutOfMemoryError the process survived (a poll of a record of very many headers), a
 * client whose thread died of it too would never send again, so the process exits instead. Every thread ever seen is
 * kept: one that died between two looks is still found.
 */
public final class KafkaClientThreads {
    private static final String PRODUCER_PREFIX = "kafka-producer-network-thread";

    private final Predicate<String> watched;
    private final Set<Thread> seen = new HashSet<>();
    /** Threads of a client this one's replaced, of the same name, perhaps still ending: never watched. */
    private final Set<Thread> former;

    private KafkaClientThreads(Predicate<String> watched) {
        this(watched, Set.of());
    }

    private KafkaClientThreads(Predicate<String> watched, Set<Thread> former) {
        this.watched = watched;
        this.former = former;
    }

    /**
     * The threads of the same names but those this one saw: to watch a client that replaces the one watched here,
     * whose thread, of the same name, may still be ending when the new one's is observed.
     */
    public KafkaClientThreads successor() {
        Set<Thread> leftOut = new HashSet<>(former);
        leftOut.addAll(seen);
        leftOut.removeIf(t -> !t.isAlive()); // an ended thread is never observed again: none kept
        return new KafkaClientThreads(watched, Set.copyOf(leftOut));
    }

    /**
     * The threads of exactly these names ({@link #producer}, {@link #admin}): other clients of the same JVM (the
     * standalone's other role) may start and close theirs.
     */
    public static KafkaClientThreads named(Set<String> names) {
        Set<String> exact = Set.copyOf(names);
        return new KafkaClientThreads(exact::contains);
    }

    /** Watches nothing: nothing ever dies. */
    public static KafkaClientThreads none() {
        return named(Set.of());
    }

    /** Every producer's network thread. */
    public static KafkaClientThreads producers() {
        return new KafkaClientThreads(name -> name.startsWith(PRODUCER_PREFIX));
    }

    /** The network thread of the producer whose {@code client.id} is {@code clientId}. */
    public static String producer(String clientId) {
        return PRODUCER_PREFIX + " | " + clientId;
    }

    /** The network thread of the admin client whose {@code client.id} is {@code clientId}. */
    public static String admin(String clientId) {
        return "kafka-admin-client-thread | " + clientId;
    }

    /** Notes the watched threads alive now (a thread list of a few dozen, no stack traces); this, for chaining. */
    public KafkaClientThreads observe() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            if (watched.test(threads[i].getName()) && !former.contains(threads[i])) {
                seen.add(threads[i]);
            }
        }
        return this;
    }

    /** The name of a thread seen alive that has ended since, else null. */
    public String died() {
        for (Thread t : seen) {
            if (!t.isAlive()) {
                return t.getName();
            }
        }
        return null;
    }
}
