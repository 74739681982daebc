package io.dwb.forwarder;

import io.dwb.runtime.RefusedFetch;
import io.dwb.runtime.SearchConsumer;
import io.dwb.runtime.UnreadableOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a poll ran out of memory, or was refused: finds what it could not read. Kafka's consumer builds an object and a buffer view
 * for each header of a record before any deserializer runs, and bounds neither their count nor their cost: a record
 * of a million empty headers (2 MB decompressed, within the topics' bound) is ~61 MB of objects, more than the
 * forwarder's heap holds beside the rest.
 *
 * <p>Each partition the poll read is read again alone, from where the loop had it, one record a poll, by a consumer of
 * its own (no group; made for the search and closed after it), up to as many records as a poll takes (the poll that
 * failed read no further). What it cannot read either (its poll runs out of memory too), or a record of more headers
 * than {@link UnreadableRecord#MAX_HEADERS} (read alone, but not a poll's worth of them), is passed over. Kafka reads a
 * batch's records in order from its first, so every record after an unreadable one in its batch is unreadable too:
 * from there, starts further on are tried, the step doubling, then halved between the last start that failed and the
 * first that read (each failed try is one more OutOfMemoryError: about twice the logarithm of the range), and the
 * offsets before the first start that reads are passed over as one {@link UnreadableRecord}. A readable batch between
 * two unreadable ones that the doubling jumped over is passed over with them (inside the range the letter names):
 * telling it apart would take a try, and an OutOfMemoryError, an offset.
 *
 * <p>After a poll Kafka's consumer refused ({@link RefusedFetch}: a batch whose CRC does not match, served so by the
 * partition's leader at every fetch) the search is the same, a refused poll standing for one out of memory: a start
 * within the batch is refused, the first offset after the batch reads.
 */
final class UnreadableRecordSearch {
    private static final Logger log = LoggerFactory.getLogger(UnreadableRecordSearch.class);
    private static final Duration POLL_WAIT = Duration.ofSeconds(3);
    private static final Duration END_WAIT = Duration.ofSeconds(10);
    /** Polls that bring nothing before a partition's end, in a row, before it counts as not read again. */
    private static final int EMPTY_POLLS = 3;
    /** Enough to gallop across, then halve, any range of offsets (2 x 31 steps), each a full collection or two. */
    private static final int MAX_FAILED_TRIES = 64;

    /** A partition's offsets passed over, and the records the search read before them (delivered as polled). */
    record Found(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> before, UnreadableRecord unreadable) {}

    /**
     * What a search found: the unreadable offsets of each partition; the records of partitions that all read (within
     * the room given); and the partitions it could not read again to the end of what a poll takes (Kafka not
     * answering): those may hold what the poll could not read, and their consumer's half-read fetch must not be taken
     * up again where it stopped.
     */
    record Result(List<Found> found, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> clean,
                  Set<TopicPartition> unsearched, boolean stopped) {
        /** A search ended by {@link #stop}: nothing of it stands. */
        static final Result STOPPED = new Result(List.of(), Map.of(), Set.of(), true);
    }

    private final Supplier<Consumer<byte[], byte[]>> probes;
    private final int recordsPerPartition;
    /** Set by the stop's thread: a search ends before its next try. */
    private volatile boolean stopping;

    /**
     * @param probes              a new consumer of the topic, without a group, taking one record a poll
     * @param recordsPerPartition the most a poll takes of a partition ({@code max.poll.records})
     */
    UnreadableRecordSearch(Supplier<Consumer<byte[], byte[]>> probes, int recordsPerPartition) {
        this.probes = probes;
        this.recordsPerPartition = recordsPerPartition;
    }

    /**
     * Ends a search under way before its next try (each may take seconds, a poll out of memory and its collections,
     * and a search up to {@value #MAX_FAILED_TRIES} of them: longer than systemd waits for a stop), and any later one
     * at once. Any thread.
     */
    void stop() {
        stopping = true;
    }

    /** A try asked for after {@link #stop}. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    private void checkStop() {
        if (stopping) {
            throw new Stopped();
        }
    }

    /**
     * What cannot be read in each partition from its offset in {@code from} and, of the partitions that all read, the
     * records read, as many as {@code roomBytes} holds ({@link PollBudget#size}; one partition's at least), to be
     * delivered as read when nothing is found (the poll held more than the heap could at once).
     */
    Result find(Map<TopicPartition, Long> from, long roomBytes) {
        List<Found> found = new ArrayList<>();
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> clean = new LinkedHashMap<>();
        long cleanBytes = 0;
        Set<TopicPartition> unsearched = new HashSet<>(from.keySet());
        try (SearchConsumer probe = new SearchConsumer(probes)) {
            // Up to each partition's end only (its last stable offset): a poll past it would wait its whole time.
            Map<TopicPartition, Long> ends = probe.consumer().endOffsets(from.keySet(), END_WAIT);
            for (Map.Entry<TopicPartition, Long> e : from.entrySet()) {
                TopicPartition tp = e.getKey();
                Long end = ends.get(tp);
                if (end == null) {
                    continue;
                }
                try {
                    Read read = e.getValue() >= end ? new Read(List.of(), null)
                            : search(probe, tp, e.getValue(), end);
                    unsearched.remove(tp);
                    if (read.unreadable() != null) {
                        found.add(new Found(tp, read.records(), read.unreadable()));
                        continue;
                    }
                    long bytes = read.records().stream().mapToLong(PollBudget::size).sum();
                    if (!read.records().isEmpty() && (clean.isEmpty() || cleanBytes + bytes <= roomBytes)) {
                        clean.put(tp, read.records());
                        cleanBytes += bytes;
                    }
                } catch (Unsearched u) {
                    log.warn("could not read {} again from offset {}: {}", tp, e.getValue(), u.getMessage());
                }
            }
        } catch (KafkaException e) {
            log.warn("could not read the partitions again ({})", e.getMessage());
        } catch (Stopped s) {
            return Result.STOPPED;
        }
        return new Result(found, clean, unsearched, false);
    }

    /** A partition could not be read again (Kafka not answering). */
    private static final class Unsearched extends Exception {
        Unsearched(String message) {
            super(message, null, false, false);
        }
    }

    /** What the search read of a partition: the records, up to what cannot be read ({@code null}: none). */
    private record Read(List<ConsumerRecord<byte[], byte[]>> records, UnreadableRecord unreadable) {}

    /**
     * What {@code tp} holds from {@code start}, as far as a poll reads (up to its end: the stable end may lie past a
     * transaction's marker, which is read, not returned).
     */
    private Read search(SearchConsumer probe, TopicPartition tp, long start, long end) throws Unsearched {
        probe.assign(tp);
        probe.seek(start);
        List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
        long at = start;
        int empty = 0;
        while (read.size() < recordsPerPartition && position(probe, tp) < end) {
            checkStop();
            ConsumerRecords<byte[], byte[]> polled;
            try {
                polled = probe.consumer().poll(POLL_WAIT);
            } catch (OutOfMemoryError e) {
                probe.renew();
                return new Read(read, passOver(probe, tp, at, end, them -> "no poll can read " + them + " within "
                        + "the forwarder's memory (a record of very many headers, with the records after it in its "
                        + "batch; or transaction markers before it)"));
            } catch (KafkaException e) {
                String refused = RefusedFetch.reason(e).orElseThrow(() -> new Unsearched(e.getMessage()));
                probe.renew();
                return new Read(read, passOver(probe, tp, at, end, them -> "Kafka's consumer refuses " + them
                        + " (" + refused + "): a batch damaged on the partition leader's disk, or a record that does "
                        + "not parse; a replica whose copy is whole, made the leader, serves them again to a replay"));
            }
            if (polled.isEmpty()) {
                if (++empty == EMPTY_POLLS) {
                    throw new Unsearched("no record in " + EMPTY_POLLS + " polls of " + POLL_WAIT.toSeconds()
                            + " s at offset " + at + ", before its end " + end);
                }
                continue;
            }
            for (ConsumerRecord<byte[], byte[]> record : polled) { // one a poll, unless max.poll.records was set
                if (UnreadableRecord.orItself(record) instanceof UnreadableRecord unreadable) {
                    return new Read(read, unreadable);
                }
                read.add(record);
                at = record.offset() + 1;
            }
        }
        return new Read(read, null);
    }

    private static long position(SearchConsumer probe, TopicPartition tp) throws Unsearched {
        try {
            return probe.consumer().position(tp, POLL_WAIT);
        } catch (KafkaException e) {
            throw new Unsearched(e.getMessage());
        }
    }

    /**
     * The offsets from {@code at}, where no poll can read, up to the first start that reads; {@code why} says why, of
     * "it" or "them".
     */
    private UnreadableRecord passOver(SearchConsumer probe, TopicPartition tp, long at, long end,
                                      UnaryOperator<String> why) {
        long failed = UnreadableOffsets.lastOf(at, start -> {
            checkStop();
            return probe.readsFrom(start, end, POLL_WAIT);
        }, MAX_FAILED_TRIES);
        String offsets = failed == at ? "offset " + at : "offsets " + at + " to " + failed;
        return new UnreadableRecord(tp, at, failed, offsets + ": " + why.apply(failed == at ? "it" : "them"));
    }

}
