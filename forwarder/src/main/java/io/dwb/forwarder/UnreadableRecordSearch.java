package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
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
 * than {@link #MAX_HEADERS} (read alone, but not a poll's worth of them), is passed over. Kafka reads a batch's records
 * in order from its first, so every record after an unreadable one in its batch is unreadable too: from there, starts
 * further on are tried, the step doubling, then halved between the last start that failed and the first that read
 * (each failed try is one more OutOfMemoryError, at most {@link #MAX_FAILED_TRIES}), and the offsets before the first
 * start that reads are passed over as one {@link UnreadableRecord}.
 */
final class UnreadableRecordSearch {
    private static final Logger log = LoggerFactory.getLogger(UnreadableRecordSearch.class);
    /** Far more than any writer of the contract puts on a record (the listener puts fewer than ten). */
    static final int MAX_HEADERS = 1_000;
    private static final Duration POLL_WAIT = Duration.ofSeconds(3);
    private static final int MAX_FAILED_TRIES = 12;

    /** A partition's offsets passed over, and the records the search read before them (delivered as polled). */
    record Found(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> before, UnreadableRecord unreadable) {}

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

    /** What cannot be read in each partition from its offset in {@code from}; empty when nothing was found. */
    List<Found> find(Map<TopicPartition, Long> from) {
        List<Found> found = new ArrayList<>();
        try (Consumer<byte[], byte[]> probe = probes.get()) {
            from.forEach((tp, start) -> {
                Found f = search(probe, tp, start);
                if (f != null) {
                    found.add(f);
                }
            });
        }
        return found;
    }

    private Found search(Consumer<byte[], byte[]> probe, TopicPartition tp, long start) {
        probe.assign(List.of(tp));
        probe.seek(tp, start);
        List<ConsumerRecord<byte[], byte[]>> before = new ArrayList<>();
        long at = start;
        while (before.size() < recordsPerPartition) {
            ConsumerRecords<byte[], byte[]> polled;
            try {
                polled = probe.poll(POLL_WAIT);
            } catch (OutOfMemoryError e) {
                return new Found(tp, before, passOver(probe, tp, at));
            } catch (KafkaException e) {
                log.warn("could not read {} again from offset {} ({}): not searched", tp, at, e.getMessage());
                return null;
            }
            if (polled.isEmpty()) {
                return null;
            }
            for (ConsumerRecord<byte[], byte[]> record : polled) { // one a poll, unless max.poll.records was set
                int headers = count(record);
                if (headers > MAX_HEADERS) {
                    return new Found(tp, before, new UnreadableRecord(tp, record.offset(), record.offset(),
                            "offset " + record.offset() + ": " + headers + " headers, over the " + MAX_HEADERS
                                    + " any record of the contract has; a poll cannot hold as many such records as "
                                    + "it takes"));
                }
                before.add(record);
                at = record.offset() + 1;
            }
        }
        return null;
    }

    /** The offsets from {@code at}, where no poll can read, up to the first start that reads. */
    private UnreadableRecord passOver(Consumer<byte[], byte[]> probe, TopicPartition tp, long at) {
        long failed = at;
        long reads = -1;
        int fails = 1;
        for (long step = 1; fails < MAX_FAILED_TRIES; step *= 2) {
            if (readsFrom(probe, tp, at + step)) {
                reads = at + step;
                break;
            }
            failed = at + step;
            fails++;
        }
        while (reads > failed + 1 && fails < MAX_FAILED_TRIES) {
            long mid = failed + (reads - failed) / 2;
            if (readsFrom(probe, tp, mid)) {
                reads = mid;
            } else {
                failed = mid;
                fails++;
            }
        }
        // Not found within the tries: what is known to fail is passed over, and the next poll goes on from there.
        String offsets = failed == at ? "offset " + at : "offsets " + at + " to " + failed;
        return new UnreadableRecord(tp, at, failed, offsets + ": no poll can read "
                + (failed == at ? "it" : "them") + " within the forwarder's memory (a record of very many headers, "
                + "with the records after it in its batch; or transaction markers before it)");
    }

    /** Whether a poll from {@code start} reads without running out of memory. */
    private static boolean readsFrom(Consumer<byte[], byte[]> probe, TopicPartition tp, long start) {
        probe.seek(tp, start);
        try {
            probe.poll(POLL_WAIT);
            return true;
        } catch (OutOfMemoryError e) {
            return false;
        } catch (KafkaException e) {
            return true; // past the end (out of range), or Kafka away: not known to fail
        }
    }

    private static int count(ConsumerRecord<byte[], byte[]> record) {
        int n = 0;
        for (Header ignored : record.headers()) {
            n++;
        }
        return n;
    }
}
