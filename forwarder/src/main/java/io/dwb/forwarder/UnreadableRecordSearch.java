package io.dwb.forwarder;

import io.dwb.runtime.SearchConsumer;
import io.dwb.runtime.UnreadableOffsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a poll ran out of memory: finds what it could not read. Kafka's consumer builds an object and a buffer view
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
 */
final class UnreadableRecordSearch {
    private static final Logger log = LoggerFactory.getLogger(UnreadableRecordSearch.class);
    private static final Duration POLL_WAIT = Duration.ofSeconds(3);
    private static final Duration END_WAIT = Duration.ofSeconds(10);
    /** Enough to gallop across, then halve, any range of offsets (2 x 31 steps), each a full collection or two. */
    private static final int MAX_FAILED_TRIES = 64;

    /** A partition's offsets passed over, and the records the search read before them (delivered as polled). */
    record Found(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> before, UnreadableRecord unreadable) {}

    /**
     * What a search found: the unreadable offsets of each partition, and the partitions it could not read again to
     * the end of what a poll takes (Kafka not answering): those may hold what the poll could not read, and their
     * consumer's half-read fetch must not be taken up again where it stopped.
     */
    record Result(List<Found> found, Set<TopicPartition> unsearched) {
        /** Whether every partition was read again, and something found. */
        boolean explained() {
            return !found.isEmpty() && unsearched.isEmpty();
        }
    }

    private final Supplier<Consumer<byte[], byte[]>> probes;
    private final int recordsPerPartition;

    /**
     * @param probes              a new consumer of the topic, without a group, taking one record a poll
     * @param recordsPerPartition the most a poll takes of a partition ({@code max.poll.records})
     */
    UnreadableRecordSearch(Supplier<Consumer<byte[], byte[]>> probes, int recordsPerPartition) {
        this.probes = probes;
        this.recordsPerPartition = recordsPerPartition;
    }

    /**
     * What cannot be read in each partition from its offset in {@code from}; empty when nothing was found (nor could
     * be: Kafka not answering).
     */
    Result find(Map<TopicPartition, Long> from) {
        List<Found> found = new ArrayList<>();
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
                    Optional<Found> f = e.getValue() >= end ? Optional.empty()
                            : search(probe, tp, e.getValue(), end);
                    f.ifPresent(found::add);
                    unsearched.remove(tp);
                } catch (Unsearched u) {
                    log.warn("could not read {} again from offset {}: {}", tp, e.getValue(), u.getMessage());
                }
            }
        } catch (KafkaException e) {
            log.warn("could not read the partitions again ({})", e.getMessage());
        }
        return new Result(found, unsearched);
    }

    /** A partition could not be read again (Kafka not answering). */
    private static final class Unsearched extends Exception {
        Unsearched(String message) {
            super(message, null, false, false);
        }
    }

    /** What cannot be read of {@code tp} from {@code start}, as far as a poll reads; empty when it all reads. */
    private Optional<Found> search(SearchConsumer probe, TopicPartition tp, long start, long end)
            throws Unsearched {
        probe.assign(tp);
        probe.seek(start);
        List<ConsumerRecord<byte[], byte[]>> before = new ArrayList<>();
        long at = start;
        while (before.size() < recordsPerPartition && at < end) {
            ConsumerRecords<byte[], byte[]> polled;
            try {
                polled = probe.consumer().poll(POLL_WAIT);
            } catch (OutOfMemoryError e) {
                probe.renew();
                return Optional.of(new Found(tp, before, passOver(probe, tp, at, end)));
            } catch (KafkaException e) {
                throw new Unsearched(e.getMessage());
            }
            if (polled.isEmpty()) {
                throw new Unsearched("no record within " + POLL_WAIT.toSeconds() + " s at offset " + at
                        + ", before its end " + end);
            }
            for (ConsumerRecord<byte[], byte[]> record : polled) { // one a poll, unless max.poll.records was set
                ConsumerRecord<byte[], byte[]> read = UnreadableRecord.orItself(record);
                if (read instanceof UnreadableRecord unreadable) {
                    return Optional.of(new Found(tp, before, unreadable));
                }
                before.add(record);
                at = record.offset() + 1;
            }
        }
        return Optional.empty();
    }

    /** The offsets from {@code at}, where no poll can read, up to the first start that reads. */
    private UnreadableRecord passOver(SearchConsumer probe, TopicPartition tp, long at, long end) {
        long failed = UnreadableOffsets.lastOf(at, start -> probe.readsFrom(start, end, POLL_WAIT),
                MAX_FAILED_TRIES);
        String offsets = failed == at ? "offset " + at : "offsets " + at + " to " + failed;
        return new UnreadableRecord(tp, at, failed, offsets + ": no poll can read "
                + (failed == at ? "it" : "them") + " within the forwarder's memory (a record of very many headers, "
                + "with the records after it in its batch; or transaction markers before it)");
    }

}
