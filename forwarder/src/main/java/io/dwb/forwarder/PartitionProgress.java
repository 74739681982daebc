package io.dwb.forwarder;

import java.util.ArrayDeque;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * One assigned partition's delivery: the records fetched and not yet done (the head of them already routed), the
 * records done whose datagrams the outbox may not have written yet or whose dead letters are not acknowledged yet, the
 * offset after the last record done and written (delivered, dead-lettered, skipped or a duplicate: committable), and
 * the offset last committed. Records are done strictly in order, and the outbox's writes and the letters'
 * acknowledgements are counted in order, so the committable offset never passes an undelivered record.
 */
final class PartitionProgress {
    private static final long NONE = -1;
    /** {@link #fetchedTo} after a seek to where Kafka's reset says: no offset of the partition's own tells it. */
    private static final long UNKNOWN = -2;

    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> queued = new ArrayDeque<>();
    /** The next records to deliver, classified and formatted once; retried as they are after a pause. */
    private final ArrayDeque<AlertPipeline.Route> routed = new ArrayDeque<>();
    /** Records done, by the outbox's count when they were: committable once it has written that many. */
    private final ArrayDeque<Handed> handed = new ArrayDeque<>();
    private long delivered = NONE;
    /**
     * The leader epoch of the record before {@link #delivered}, committed with it: after a restart or a reassignment,
     * the consumer checks the position against the log with it, and a log truncated below it (an unclean leader
     * election, brokers that lost unflushed data) is found as such. Without it, the fetch was out of range, taken
     * for a topic recreated, and the partition delivered again from its start as live alerts. Empty when not known.
     */
    private Optional<Integer> deliveredEpoch = Optional.empty();
    private long committed = NONE;
    /**
     * Records before it were delivered by the partition's previous owner: read again only to feed the silent-host
     * watch ({@link AlertPipeline#heard}); NONE once a record at or past it is routed, or the position passed it.
     */
    private long handOverTo = NONE;
    /** The leader epoch committed with {@link #handOverTo}: a record before it of a later epoch was written since. */
    private Optional<Integer> handOverEpoch = Optional.empty();
    /** Records before it were deleted by Kafka before delivery: committable once what was fetched before is done. */
    private long deletedTo = NONE;
    /**
     * Where the consumer's position was left by this partition's last poll that returned records, or by the loop's
     * last seek of it: where to read again after a poll that ran out of memory ({@link UnreadableRecordSearch}), which
     * may have moved the position past records it read and never returned. NONE when not known.
     */
    private long fetchedTo = NONE;
    /**
     * The first records done from now on that were fetched of the partition's old log ({@link #startAgain}): delivered
     * in order, moving no offset.
     */
    private int ofOldLog;
    /** The {@link PollBudget#size} of the records waiting. */
    private long bytes;
    /** The size of the record a poll deferred, until it is taken: 0 when none waits for room. */
    private long deferredBytes;

    void add(ConsumerRecord<byte[], byte[]> record) {
        queued.add(record);
        bytes += PollBudget.size(record);
    }

    /** The consumer's position after this partition's records last taken, or its last seek here. */
    void fetchedTo(long offset) {
        fetchedTo = offset;
    }

    /**
     * The consumer placed the partition where Kafka's {@code auto.offset.reset} says, its offsets no longer those it
     * was delivered by (its topic deleted and made again between two looks, a log cut below a position sought without
     * its leader epoch): they count afresh. The records fetched of the old log and not done are still delivered, in
     * order, before the new ones, and move no offset. Kept, the offset delivered of the old log stood: nothing was
     * committed while the new records' offsets were below it, and then it was (a revocation's, a stop's), the next
     * owner passing over every new record below it, undelivered and unsaid. The new start ({@code start}, -1 when
     * not known) is committable at once: the old offset committed stays the group's until something else is.
     */
    void startAgain(long start) {
        ofOldLog = waiting();
        for (int i = handed.size(); i > 0; i--) {
            Handed h = handed.poll();
            handed.add(new Handed(h.submitted(), h.letters(), NONE, Optional.empty(), h.bytes()));
        }
        delivered = start >= 0 ? start : NONE;
        deliveredEpoch = Optional.empty();
        committed = NONE;
        deletedTo = NONE;
        fetchedTo = start >= 0 ? start : UNKNOWN;
    }

    /**
     * Where to read this partition again after a poll that ran out of memory: where the loop left the position, or
     * else where it started (the start placed at its assignment); -1 when neither is known (its committed offset).
     */
    long readAgainFrom() {
        return fetchedTo == UNKNOWN ? -1 : fetchedTo != NONE ? fetchedTo : delivered;
    }

    /** Records fetched and not done. */
    int waiting() {
        return queued.size() + routed.size();
    }

    /** The bytes of the records waiting, as {@link PollBudget} counts them. */
    long bytes() {
        return bytes;
    }

    /** A poll deferred this partition's next record, of {@code size} bytes; 0: a poll took its records. */
    void deferred(long size) {
        deferredBytes = size;
    }

    /**
     * Whether fetching this partition now would only bring its deferred record again and defer it again: it fits
     * neither the room the bound leaves ({@code room}) nor alone (records are held).
     */
    boolean awaitsRoom(long room, boolean nothingHeld) {
        return deferredBytes > room && !nothingHeld;
    }

    /**
     * Routes queued records until {@code max} are routed or the last one routed is not an engine event's alert:
     * alerts are formatted ahead in runs, so that they reach the socket back to back; anything else goes alone.
     */
    void routeAhead(AlertPipeline pipeline, int max) {
        while (routed.size() < max && !queued.isEmpty()
                && (routed.isEmpty() || routed.peekLast() instanceof AlertPipeline.Route.Alert)) {
            ConsumerRecord<byte[], byte[]> record = queued.poll();
            if (record.offset() < handOverTo && !writtenSince(record)) {
                routed.add(pipeline.heard(record)); // not an alert: routed alone, done before the next is routed
                continue;
            }
            if (handOverTo != NONE) { // every record before it is done: the watch has all the previous owner read
                if (record.offset() < handOverTo) {
                    pipeline.rewrittenBelow(record.partition(), handOverTo, record.offset());
                }
                endHandOver(pipeline, record.partition());
            }
            routed.add(pipeline.route(record));
        }
    }

    /**
     * The partition was assigned at {@code committed}, its previous owner's position, and is read again from before
     * it: the records before it only feed the silent-host watch, and nothing before it is ever committed (committing
     * a lower offset would make the next owner deliver them again), nor anything until it is read ({@link
     * #uncommitted}).
     */
    void handOver(OffsetAndMetadata committed) {
        handOverTo = committed.offset();
        handOverEpoch = committed.leaderEpoch();
        delivered = committed.offset();
        deliveredEpoch = committed.leaderEpoch();
        this.committed = committed.offset();
    }

    /**
     * Whether {@code record}, before the previous owner's position, is of a later leader epoch than the record before
     * it: the log was cut below that position (an unclean leader election, a broker that lost what it had not
     * flushed) and written again, so it is new, not delivered.
     */
    private boolean writtenSince(ConsumerRecord<byte[], byte[]> record) {
        return record.leaderEpoch().isPresent() && handOverEpoch.isPresent()
                && record.leaderEpoch().get() > handOverEpoch.get();
    }

    /** Whether the records delivered by the previous owner are still being read again. */
    boolean handingOver() {
        return handOverTo != NONE;
    }

    /**
     * The previous owner's position, with its leader epoch, while handing over: where to go on from when the position
     * read again from jumped (an offset out of range, a truncation), so that the consumer checks it against the log
     * as it did before the hand-over, and nothing before it is taken as delivered any more. Ends the hand-over.
     */
    OffsetAndMetadata abandonHandOver(AlertPipeline pipeline, int partition) {
        OffsetAndMetadata previous = new OffsetAndMetadata(handOverTo, handOverEpoch, "");
        for (ConsumerRecord<byte[], byte[]> record : queued) { // fetched before the jump: fetched again if needed
            bytes -= PollBudget.size(record);
        }
        queued.clear();
        endHandOver(pipeline, partition);
        return previous;
    }

    /**
     * The consumer's position is {@code position}: once none waits and it reached the previous owner's (its last
     * records may be transaction markers, or none may follow it yet), the hand-over is over, and the watch told so.
     */
    void positionAt(long position, AlertPipeline pipeline, int partition) {
        if (handOverTo != NONE && position >= handOverTo && waiting() == 0) {
            endHandOver(pipeline, partition);
        }
    }

    private void endHandOver(AlertPipeline pipeline, int partition) {
        handOverTo = NONE;
        pipeline.handedOver(partition);
    }

    /** The next route to deliver; null when none is routed. */
    AlertPipeline.Route next() {
        return routed.peek();
    }

    /**
     * The head route is done: its offset and all before it may be committed once the outbox has written
     * {@code submitted} datagrams and the dead-letter topic acknowledged {@code letters} letters (the counts when the
     * record was done, its own datagram or letter included); {@code written} and {@code acknowledged} are the counts
     * now. Until then its bytes stay counted: a letter in flight holds the record.
     */
    void done(long submitted, long written, long letters, long acknowledged) {
        ConsumerRecord<byte[], byte[]> record = routed.poll().record();
        long size = PollBudget.size(record);
        boolean oldLog = ofOldLog > 0;
        if (oldLog) {
            ofOldLog--;
        }
        long next = oldLog ? NONE : record.offset() + 1;
        Optional<Integer> epoch = oldLog ? Optional.empty() : record.leaderEpoch();
        if (handed.isEmpty() && submitted <= written && letters <= acknowledged) {
            bytes -= size;
            deliveredTo(next, epoch); // written already (always, written at once): nothing to wait for
            return;
        }
        if (!handed.isEmpty() && handed.peekLast().submitted() == submitted && handed.peekLast().letters() == letters) {
            size += handed.pollLast().bytes(); // no datagram nor letter since the one before: one entry for both
        }
        handed.add(new Handed(submitted, letters, next, epoch, size));
    }

    /** Records before {@code offset} were passed over (history older than {@code --max-live-age}). */
    void skippedTo(long offset) {
        deliveredTo(offset, Optional.empty());
    }

    private void deliveredTo(long offset, Optional<Integer> epoch) {
        if (offset > delivered) {
            delivered = offset;
            deliveredEpoch = epoch;
        }
    }

    /**
     * Records before {@code offset} were deleted by Kafka before they were fetched: once the records fetched before
     * them are done, it is committable, so that the loss is not found and reported again at the next assignment.
     */
    void deletedTo(long offset) {
        deletedTo = Math.max(deletedTo, offset);
    }

    /**
     * The outbox has written {@code written} datagrams and the topic acknowledged {@code acknowledged} letters: the
     * records done up to them are delivered. Called each round, so that what waits here is about the outbox's queue
     * and the letters' round trip, not a commit interval of records.
     */
    void settle(long written, long acknowledged) {
        while (!handed.isEmpty() && handed.peek().submitted() <= written && handed.peek().letters() <= acknowledged) {
            Handed h = handed.poll();
            bytes -= h.bytes();
            deliveredTo(h.nextOffset(), h.epoch());
        }
    }

    /**
     * The offset to commit with {@code written} datagrams and {@code acknowledged} letters, with the leader epoch of
     * the record before it when known, when it moved (or, {@code evenUnmoved}, whenever there is one). None while
     * handing over (a revocation or a stop before the look-back reached the previous owner's position): nothing is
     * delivered then, and that owner's commit stands, its mark with it. Committed again at its offset with this
     * forwarder's mark (a time before that owner's, or none, and its own alerts unsent), it made the next owner take
     * as reported hosts that owner never reported (Wazuh down, its alerts unsent).
     */
    Optional<OffsetAndMetadata> uncommitted(long written, long acknowledged, boolean evenUnmoved) {
        settle(written, acknowledged);
        if (handingOver()) {
            return Optional.empty();
        }
        if (deletedTo > delivered && waiting() == 0 && handed.isEmpty()) {
            deliveredTo(deletedTo, Optional.empty()); // nothing fetched before them is left undone
        }
        return delivered != NONE && (evenUnmoved || delivered != committed)
                ? Optional.of(new OffsetAndMetadata(delivered, deliveredEpoch, "")) : Optional.empty();
    }

    /**
     * Where the records not delivered start, with {@code written} datagrams and {@code acknowledged} letters: those
     * after it are lost when the partition goes with its topic. -1 when not known (nothing delivered nor placed here).
     */
    long undeliveredFrom(long written, long acknowledged) {
        settle(written, acknowledged);
        return Math.max(delivered, deletedTo);
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    private record Handed(long submitted, long letters, long nextOffset, Optional<Integer> epoch, long bytes) {}
}
