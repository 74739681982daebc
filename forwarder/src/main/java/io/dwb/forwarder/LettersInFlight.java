package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The delivery loop's dead letters, sent and not yet acknowledged, in the order sent. A record whose letter is here is
 * done (the records after it are delivered meanwhile) and committable once its letter and every one before it are
 * acknowledged: {@link #acknowledged()} is to letters what the outbox's written count is to datagrams. Waiting for
 * each acknowledgement instead let a writer of the topic that put an invalid record between every two events hold the
 * forwarder, every partition of it, to one round trip to the dead-letter topic a record.
 *
 * <p>A letter the topic refuses as too large is sent again with less ({@link DeadLetterQueue#smaller}). One the topic
 * cannot take now makes the letters {@link #unavailable}: the loop pauses delivery as for an unavailable Wazuh queue,
 * and each {@link #retry} sends the failed letters again, until that one is acknowledged. One the topic will never
 * take stops the forwarder ({@link DeadLetterQueue.DeadLetterTopicRefused}), what was acknowledged before it
 * committed. A letter of a partition revoked meanwhile is passed over: its new owner dead-letters the record again.
 */
final class LettersInFlight {
    /** At most this many letters unacknowledged: the next invalid record waits for room. */
    static final int MAX = 256;

    /** What a retry of paused delivery found. */
    enum Retry {
        /** The letters are not what holds delivery. */
        CLEAR,
        /** The letter that made them unavailable was acknowledged since a retry found them so. */
        THROUGH,
        /** Still unavailable: the failed letters were sent again. */
        BLOCKED
    }

    private final DeadLetterQueue queue;
    private final StateChanges changes;
    private final LongSupplier clock;
    private final ArrayDeque<InFlight> letters = new ArrayDeque<>();
    private long sent;
    private long acknowledged;
    /** The letter the topic could not take now, until it is acknowledged; null when none. */
    private InFlight blockedBy;
    private String unavailable;
    /** A retry found the letters unavailable, and none since found them through. */
    private boolean retriedBlocked;

    /** @param clock monotonic nanoseconds, for the waits of {@link #awaitAcknowledged} */
    LettersInFlight(DeadLetterQueue queue, StateChanges changes, LongSupplier clock) {
        this.queue = queue;
        this.changes = changes;
        this.clock = clock;
    }

    /**
     * Sends a letter without waiting for it. A send refused at once (Kafka's producer answers so only a failure, as
     * after waiting {@code max.block.ms} for the topic's metadata) makes the letters unavailable at once: sending on
     * would wait as long again for each letter.
     */
    void send(DeadLetterQueue.Letter letter) {
        InFlight l = new InFlight(letter, queue.send(letter, DeadLetterQueue.Omitted.NOTHING));
        letters.add(l);
        sent++;
        Throwable failure = failure(l);
        if (failure != null && blockedBy == null && !DeadLetterQueue.tooLarge(failure)) {
            block(l, failure);
        }
        settle();
    }

    /** Letters sent: a record dead-lettered now is committable once {@link #acknowledged()} reaches this count. */
    long sent() {
        return sent;
    }

    /** Letters acknowledged (or passed over), in the order sent. */
    long acknowledged() {
        return acknowledged;
    }

    boolean full() {
        return letters.size() >= MAX;
    }

    /** Why the topic cannot take a letter now; null when it can. */
    String unavailable() {
        return blockedBy == null ? null : unavailable;
    }

    /**
     * Takes the acknowledgements come in, in order, up to the first letter not acknowledged.
     *
     * @throws DeadLetterQueue.DeadLetterTopicRefused the topic will never take that letter
     */
    void settle() {
        while (!letters.isEmpty()) {
            InFlight head = letters.peek();
            if (!head.withdrawn) {
                if (!head.future.isDone()) {
                    return;
                }
                Throwable failure = failure(head);
                if (failure != null) {
                    if (DeadLetterQueue.tooLarge(failure)) {
                        head.send(queue.smaller(head.omitted));
                        continue;
                    }
                    if (blockedBy == null) {
                        block(head, failure);
                    }
                    return;
                }
                changes.deadLettered(head.letter.record(), head.letter.error(), queue.topic(), head.omitted);
            } else if (head.future.isDone() && failure(head) == null) {
                // Written after all: in the topic, and again by the partition's new owner.
                changes.deadLettered(head.letter.record(), head.letter.error(), queue.topic(), head.omitted);
            }
            letters.poll();
            acknowledged++;
            if (head == blockedBy) {
                blockedBy = null;
            }
        }
    }

    /**
     * At a retry of paused delivery: what the letters say. While they are unavailable, the first failed letter's
     * failure is judged again (the topic may have gone for good since: then it stops the forwarder), and the failed
     * letters are sent again, in order, until one is answered at once (a failure: the rest wait for the next retry,
     * else each would wait {@code max.block.ms} in turn); one refused as too large goes again with less.
     */
    Retry retry() {
        settle();
        if (blockedBy == null) {
            boolean through = retriedBlocked;
            retriedBlocked = false;
            return through ? Retry.THROUGH : Retry.CLEAR;
        }
        retriedBlocked = true;
        boolean judged = false;
        for (InFlight l : letters) {
            Throwable failure = l.withdrawn ? null : failure(l);
            if (failure == null) {
                continue;
            }
            if (DeadLetterQueue.tooLarge(failure)) {
                l.send(queue.smaller(l.omitted));
            } else {
                if (!judged) {
                    unavailable = queue.unavailable(failure).getMessage();
                    judged = true;
                }
                l.send(l.omitted);
            }
            Throwable now = failure(l);
            if (now != null && !DeadLetterQueue.tooLarge(now)) {
                break;
            }
        }
        return Retry.BLOCKED;
    }

    /**
     * Waits up to {@code timeout} for the letters sent to be acknowledged (a revocation, a stop); true when all are.
     * A letter refused meanwhile ends the wait: what was acknowledged before it stays so.
     */
    boolean awaitAcknowledged(Duration timeout) {
        long deadline = clock.getAsLong() + timeout.toNanos();
        try {
            for (InFlight l : List.copyOf(letters)) {
                long left = deadline - clock.getAsLong();
                if (l.withdrawn || left <= 0) {
                    continue;
                }
                l.future.get(left, TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            // settled below as far as it goes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            settle();
        } catch (DeadLetterQueue.DeadLetterTopicRefused e) {
            return false; // the loop's next settle says it, if the loop goes on
        }
        return letters.isEmpty();
    }

    /** Partitions revoked: their letters not yet acknowledged are passed over; their new owner sends them again. */
    void forget(Collection<Integer> partitions) {
        for (InFlight l : letters) {
            if (partitions.contains(l.letter.record().partition())) {
                l.withdrawn = true;
            }
        }
        try {
            settle();
        } catch (DeadLetterQueue.DeadLetterTopicRefused e) {
            // said by the loop's next settle
        }
    }

    /** Judges a letter's failure, not for its size: unavailable now (kept), or refused for good (thrown). */
    private void block(InFlight l, Throwable failure) {
        unavailable = queue.unavailable(failure).getMessage();
        blockedBy = l;
    }

    /** The failure of a letter's send, once answered; null while unanswered or when acknowledged. */
    private static Throwable failure(InFlight l) {
        if (!l.future.isDone()) {
            return null;
        }
        try {
            l.future.get();
            return null;
        } catch (ExecutionException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private final class InFlight {
        final DeadLetterQueue.Letter letter;
        DeadLetterQueue.Omitted omitted = DeadLetterQueue.Omitted.NOTHING;
        Future<RecordMetadata> future;
        boolean withdrawn;

        InFlight(DeadLetterQueue.Letter letter, Future<RecordMetadata> future) {
            this.letter = letter;
            this.future = future;
        }

        void send(DeadLetterQueue.Omitted less) {
            omitted = less;
            future = queue.send(letter, less);
        }
    }
}
