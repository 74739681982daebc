package io.dwb.listener;

import io.dwb.runtime.Backoff;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * How long the listener waits after a Kafka failure before its next producer: {@code first} after a failure that
 * follows a commit (or the start), then doubling up to {@code max} while no transaction commits. Only a transaction
 * committed starts it over: Kafka takes them again, the moment that also ends an outage in the log ({@link
 * KafkaOutageReport#committed}). A producer made ready does not: before, it did, and a broker that takes producers
 * and fails each of their transactions (a topic's WRITE ACL revoked, a {@code min.insync.replicas} it cannot meet, a
 * quota that times out every commit) got from each listener a new producer, an {@code initTransactions} at its
 * transaction coordinator and a checkpoint lookup every {@code first}, for ever: thousands a second from a fleet, on
 * the cluster in trouble. Failing every transaction, each listener now comes back every {@code max}. Not thread-safe:
 * the publishing thread owns it (the producer's commit tells it, on that thread).
 */
final class KafkaRetryWait {
    private final Backoff backoff;

    /**
     * @param first   the wait after a failure that follows a commit
     * @param max     the longest wait, while no transaction commits
     * @param uniform values in [0, 1): each wait is up to {@link Backoff#SPREAD} longer by them, so that a fleet's
     *                listeners that failed together (their cluster away) do not all come back at the same instants
     */
    KafkaRetryWait(Duration first, Duration max, DoubleSupplier uniform) {
        this.backoff = new Backoff(first, max).spread(uniform);
    }

    /**
     * Kafka failed: a producer that could not be built, made ready or read the checkpoint, or a transaction of it
     * that failed, timed out or was refused.
     *
     * @return the wait before the next producer
     */
    Duration failed() {
        return backoff.next();
    }

    /** A transaction committed: the next failure waits {@code first} again. */
    void committed() {
        backoff.reset();
    }
}
