package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
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
 * <p>A letter the topic refuses as too large is sent again with less ({@link DeadLetterQueue.Omitted#less}). One the
 * topic does not take otherwise makes the letters {@link #unavailable}: the loop pauses delivery as for an unavailable
 * Wazuh queue, and each {@link #retry} of the pause sends the failed letters again, until none is left failed. So does
 * one the topic refuses until a person acts ({@link Refusal#forGood}: WRITE denied, the topic missing, its limit below
 * even the smallest letter), which is sent again whole, as it would have gone at first; a topic the broker says is
 * missing is asked about again at each retry instead (a send would wait {@code max.block.ms} for its metadata). A
 * letter of a partition revoked meanwhile is passed over: its new owner dead-letters the record again.
 *
 * <p>A failure is judged on the loop's thread ({@link DeadLetterQueue#unavailable}, which may ask the broker for up to
 * 10 s whether the topic exists): the first failed letter's, at most once, and at most one a round (when the topic
 * starts failing, then at each retry of the pause); never in a rebalance callback or at the stop, which only take the
 * acknowledgements come in.
 */
final class LettersInFlight {
    /** At most this many letters unacknowledged: the next invalid record waits for room. */
    static final int MAX = 256;

    /** What a retry of paused delivery found. */
    enum Retry {
        /** The letters are not what holds delivery. */
        CLEAR,
        /** They held it, and none is left failed: the letters sent again were acknowledged (or passed over). */
        THROUGH,
        /** Still unavailable. */
        BLOCKED
    }

    private final DeadLetterQueue queue;
    private final StateChanges changes;
    private final LongSupplier clock;
    private final ArrayDeque<InFlight> letters = new ArrayDeque<>();
    private long sent;
    private long acknowledged;
    /** What the letters not yet settled hold: the producer's copy of each record, counted as the record is. */
    private long bytes;
    /** The first letter the topic could not take now, until it is acknowledged or passed over; null when none. */
    private InFlight blockedBy;
    /** Why, as last judged. */
    private Refusal unavailable;
    /** The letters have been unavailable since a retry last found them clear: the next clear one is THROUGH. */
    private boolean held;

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
        InFlight l = new InFlight(letter);
        letters.add(l);
        sent++;
        bytes += l.bytes;
        Throwable failure = l.failure();
        if (failure != null && blockedBy == null && !DeadLetterQueue.goesWithLess(failure, l.omitted)) {
            judge(l, failure);
            block(l);
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

    /**
     * What the letters in flight hold, by {@link PollBudget#size}: the delivery loop counts it in the memory bound
     * beside the records held (each letter's record stays held too, until acknowledged); else the producer's copies
     * of 256 letters of large records could hold as much again as the bound.
     */
    long bytes() {
        return bytes;
    }

    /** Why the topic cannot take a letter now; null when it can. */
    Refusal unavailable() {
        return blockedBy == null ? null : unavailable;
    }

    /**
     * Takes the acknowledgements come in, in order, up to the first letter not acknowledged; a first failure not
     * judged yet is judged (the loop's, each round).
     */
    void settle() {
        settle(true);
    }

    /** As {@link #settle()}, judging no failure (a stop's: no Admin call). */
    void settleWithoutJudging() {
        settle(false);
    }

    /**
     * At a retry of delivery: what the letters say. While they are unavailable and {@code resend} (a pause's retry is
     * due: not in the round that starts the pause, which has just judged the failure), the failed letters are
     * sent again, in order, until one is answered at once (a failure: the rest wait for the next retry, else each
     * would wait {@code max.block.ms} in turn); one refused as too large goes again with less. While the topic was
     * judged missing, none is sent until the broker says it exists.
     */
    Retry retry(boolean resend) {
        settle(true);
        if (blockedBy == null) {
            boolean through = held;
            held = false;
            return through ? Retry.THROUGH : Retry.CLEAR;
        }
        if (!resend) {
            return Retry.BLOCKED;
        }
        boolean judged = false;
        for (InFlight l : letters) {
            Throwable failure = l.withdrawn ? null : l.failure();
            if (failure == null) {
                continue;
            }
            if (DeadLetterQueue.goesWithLess(failure, l.omitted)) {
                l.send(l.omitted.less());
            } else {
                if (!judged && !l.judged) {
                    judge(l, failure); // a failure of the last retry's send: the topic may have gone for good since
                } else if (!judged && unavailable.cause() == Refusal.Other.DEAD_LETTER_TOPIC_MISSING
                        && queue.missing()) {
                    break; // still missing: asked instead of sent, as judging it was
                }
                judged = true;
                // Refused as too large even with the least: the limit is raised now, or the letter fails the same.
                l.send(DeadLetterQueue.tooLarge(failure) ? DeadLetterQueue.Omitted.NOTHING : l.omitted);
            }
            Throwable now = l.failure();
            if (now != null && !DeadLetterQueue.goesWithLess(now, l.omitted)) {
                break;
            }
        }
        return Retry.BLOCKED;
    }

    /**
     * Waits up to {@code timeout} for the letters sent to be acknowledged (a revocation, a stop); true when all are.
     * One refused as too large goes again with less meanwhile; one the topic cannot take now ends the wait (only a
     * retry sends it again): what was acknowledged before it stays so.
     */
    boolean awaitAcknowledged(Duration timeout) {
        long deadline = clock.getAsLong() + timeout.toNanos();
        boolean waited = false;
        for (settle(false); !letters.isEmpty(); settle(false)) {
            Future<RecordMetadata> head = letters.peek().future;
            long left = deadline - clock.getAsLong();
            if (waited || head.isDone() || left <= 0) {
                return false;
            }
            try {
                head.get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // settled next turn
            } catch (TimeoutException e) {
                waited = true; // the deadline passed, whatever the clock given says
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                waited = true;
            }
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
        if (blockedBy != null && blockedBy.withdrawn) {
            blockedBy = firstFailed();
        }
        settle(false);
    }

    /**
     * Takes the acknowledgements come in, in order: a letter refused as too large is sent again with less; one
     * failed otherwise stops the settling there, judged when {@code judge} (else by the loop's next settle).
     */
    private void settle(boolean judge) {
        while (!letters.isEmpty()) {
            InFlight head = letters.peek();
            if (!head.withdrawn) {
                if (!head.future.isDone()) {
                    return;
                }
                Throwable failure = head.failure();
                if (failure != null) {
                    if (DeadLetterQueue.goesWithLess(failure, head.omitted)) {
                        head.send(head.omitted.less());
                        continue;
                    }
                    if (blockedBy == null && judge && !head.judged) {
                        // Not when blocked already: the retry judges then (one Admin call a round at most).
                        judge(head, failure);
                    }
                    if (blockedBy == null && head.judged) {
                        block(head);
                    }
                    return;
                }
                changes.deadLettered(head.letter.record(), head.letter.error(), queue.topic(), head.omitted);
                queue.notices().written(head.letter.record(), head.letter.error().reason());
            } else if (head.future.isDone() && head.failure() == null) {
                // Written after all: in the topic, and again by the partition's new owner.
                changes.deadLettered(head.letter.record(), head.letter.error(), queue.topic(), head.omitted);
                queue.notices().written(head.letter.record(), head.letter.error().reason());
            }
            letters.poll();
            acknowledged++;
            bytes -= head.bytes;
            if (head == blockedBy) {
                blockedBy = firstFailed(); // a letter failed behind it holds delivery as long
            }
        }
    }

    /** The first letter not passed over whose send failed, not for a size that less would fit; null when none. */
    private InFlight firstFailed() {
        for (InFlight l : letters) {
            Throwable failure = l.withdrawn ? null : l.failure();
            if (failure != null && !DeadLetterQueue.goesWithLess(failure, l.omitted)) {
                return l;
            }
        }
        return null;
    }

    /** Judges a letter's failure, not for a size that less would fit: why the topic does not take it. */
    private void judge(InFlight l, Throwable failure) {
        unavailable = queue.unavailable(failure).refusal();
        l.judged = true;
    }

    private void block(InFlight l) {
        blockedBy = l;
        held = true;
    }

    private final class InFlight {
        final DeadLetterQueue.Letter letter;
        final long bytes;
        DeadLetterQueue.Omitted omitted;
        Future<RecordMetadata> future;
        /** The failure of this send was judged. */
        boolean judged;
        boolean withdrawn;

        InFlight(DeadLetterQueue.Letter letter) {
            this.letter = letter;
            this.bytes = PollBudget.size(letter.record());
            send(DeadLetterQueue.Omitted.NOTHING);
        }

        void send(DeadLetterQueue.Omitted less) {
            omitted = less;
            future = queue.send(letter, less);
            judged = false;
        }

        /** The failure of the send, once answered; null while unanswered or when acknowledged. */
        Throwable failure() {
            if (!future.isDone()) {
                return null;
            }
            try {
                future.get();
                return null;
            } catch (ExecutionException e) {
                return e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return e;
            }
        }
    }
}
