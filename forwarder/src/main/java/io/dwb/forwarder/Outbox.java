package io.dwb.forwarder;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where the pipeline hands each datagram to be written, in order: written at once on the delivery loop's thread
 * ({@link DirectOutbox}), or queued for the {@link SendingThread}, so that the next records are fetched and
 * formatted while these are sent. The loop commits a record's offset only once {@link #written()} has reached the
 * count {@link #submitted()} gave when the record was done: nothing is committed before its datagram is written.
 */
sealed interface Outbox extends AutoCloseable permits DirectOutbox, SendingThread {

    /**
     * One datagram to write.
     *
     * @param kind   what it says, for the sent counter (an engine's event, a gap, a silent host…)
     * @param record the record it came from (dead-lettered if the socket refuses the datagram for good); null for an
     *               alert of the forwarder's own (silent-host, host-back, history-skipped)
     * @param event  an event's key in the duplicate window, which has it from the submit on: a withdrawn datagram's
     *               key is taken out again
     * @param clockSkewNanos how far its host's clock is found from this one ({@link SilentHostWatch#clockSkewNanos}),
     *               which its delivery latency is set right by
     */
    record Outgoing(byte[] datagram, AlertKind kind, ConsumerRecord<byte[], byte[]> record, EventKey event,
                    long clockSkewNanos) {
        Outgoing(byte[] datagram, AlertKind kind, ConsumerRecord<byte[], byte[]> record, EventKey event) {
            this(datagram, kind, record, event, 0);
        }
    }

    /** An event's key in the duplicate window: its host and event id; null for any other datagram. */
    record EventKey(String hostKey, String eventId) {}

    /** The sink or the dead-letter topic cannot take a datagram now: its refusal says why (the message, its words). */
    final class Refused extends Exception {
        private final Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.words());
            this.refusal = refusal;
        }

        Refused(Refusal.Cause cause, String message) {
            this(new Refusal(cause, message));
        }

        Refusal refusal() {
            return refusal;
        }
    }

    /**
     * Takes a datagram: written (direct) or queued behind the others (thread) when this returns.
     *
     * @throws Refused not taken: the sink cannot take datagrams now; submit it again later
     */
    void submit(Outgoing outgoing) throws Refused;

    /**
     * When a queued datagram is held by a refusal, has it tried again now. Returns true when one was held and went
     * through, false when none was held.
     *
     * @throws Refused still held
     */
    boolean retryHeld() throws Refused;

    /**
     * The loop no longer owns these partitions (revoked or lost; their progress is forgotten, never committed): their
     * datagrams submitted so far and not yet being written are not written, and count as written in their turn, so
     * the counts stay in order. Their new owner delivers those records, from the last commit (this process, when
     * the partitions come back to it). Returns them, and the one of theirs on its way to the sink, if any.
     */
    Withdrawn withdraw(Collection<Integer> partitions);

    /**
     * What a {@link #withdraw} took back.
     *
     * @param unwritten     the datagrams that will not be written
     * @param onItsWay      the one being written as they were withdrawn, whose write may still fail (it is then passed
     *                      over as withdrawn); null when none of theirs was
     * @param writtenBefore {@link #written()} as they were withdrawn, before theirs count as written in their turn:
     *                      what a commit of those partitions may count as delivered; -1 when not known (no
     *                      partition asked, or an outbox that writes at once: {@link #written()} then)
     */
    record Withdrawn(List<Outgoing> unwritten, Outgoing onItsWay, long writtenBefore) {
        static final Withdrawn NONE = new Withdrawn(List.of(), null, -1);
    }

    /** Starts writing what was submitted (the thread is woken once per run of datagrams, not for each). */
    void flush();

    /** How many datagrams were submitted; 0 for ever when written at once. */
    long submitted();

    /** How many of the submitted datagrams were written (sent, or dead-lettered when refused for good). */
    long written();

    /**
     * Waits until every submitted datagram is written, or one is held by a refusal (and not on its way again: a
     * retry's answer is waited for), or the timeout passes; true when all are written.
     */
    boolean awaitWritten(Duration timeout);

    @Override
    void close();
}
