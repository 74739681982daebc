package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The one partition of a compacted checkpoints topic, held here: its records at the offsets compaction left (the
 * others gone, as replaced records and commit markers are), and the consumers a lookup reads it with (Kafka's
 * MockConsumer), answering as a read_committed consumer is answered: a poll from a position gives up to
 * {@link #MAX_POLL_RECORDS} of the records at or after it and moves past the last; with none left before the end, it
 * moves to the end. Counts what a lookup costs: its seeks (one a range it reads) and its polls (each a fetch at
 * least); and, apart, those of its search for records no poll can read (consumers of one record a poll). A batch can
 * be corrupt ({@link #corrupt}): Kafka's consumer refuses it, as a fetch of a batch whose CRC does not match.
 */
final class CompactedPartition {
    static final String TOPIC = "checkpoints";
    static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    /** Kafka's default {@code max.poll.records}. */
    static final int MAX_POLL_RECORDS = 500;

    private final NavigableMap<Long, ConsumerRecord<byte[], byte[]>> log = new TreeMap<>();
    private final long begin;
    private final long end;
    /** Where the lookup's consumers were sought, in order: the first offset of each range it read. */
    final List<Long> seeks = new ArrayList<>();
    /** The lookup consumers built, in order. */
    final List<MockConsumer<byte[], byte[]>> lookups = new ArrayList<>();
    int polls;
    /** The search's consumers ({@link CheckpointStore.Reader#SEARCH}: one record a poll), their seeks and polls. */
    final List<MockConsumer<byte[], byte[]>> searches = new ArrayList<>();
    final List<Long> searchSeeks = new ArrayList<>();
    int searchPolls;
    /** Run at each poll (a test's clock moving on, say). */
    Runnable onPoll = () -> { };
    /** Kafka away: a poll reads nothing and the position stays. */
    boolean stalled;
    /** A record no poll can read (it runs out of memory, as on a record of a million headers); -1 for none. */
    long unreadable = -1;
    /** The first and last offsets of a batch Kafka's consumer refuses ({@link #corrupt}); -1 for none. */
    private long corruptFirst = -1;
    private long corruptLast = -1;
    /** Only the lookup's consumers are refused the batch, the search's read it (a fetch damaged on its way). */
    boolean corruptInFlight;
    /** What a poll that meets the corrupt batch throws: by default, what Kafka's consumer throws for a CRC mismatch. */
    Supplier<RuntimeException> refusal = () -> new KafkaException("Received exception when fetching the next "
            + "record from " + TP + ". If needed, please seek past the record to continue consumption.",
            new KafkaException("Record batch for partition " + TP + " at offset " + corruptFirst + " is invalid, "
                    + "cause: Record is corrupt (stored crc = 1234, computed crc = 5678)"));

    /** @param begin the partition's first offset; @param end its stable end (and written end) */
    CompactedPartition(long begin, long end) {
        this.begin = begin;
        this.end = end;
    }

    /** {@code host}'s checkpoint {@code i} at {@code offset}. */
    CompactedPartition put(long offset, String host, int i) {
        if (offset < begin || offset >= end) {
            throw new IllegalArgumentException("offset " + offset + " outside [" + begin + ", " + end + ")");
        }
        log.put(offset, new ConsumerRecord<>(TOPIC, 0, offset, key(host), ContractJson.write(checkpoint(i))));
        return this;
    }

    /** Months of a partition: 830 live keys 11,000 offsets apart, then 9,000 recent ones, dense, up to {@code end}. */
    static CompactedPartition fleet(long end) {
        return new CompactedPartition(0, end)
                .others("live", 0, 830, 11_000)
                .others("recent", end - 20_000, 9_000, 2);
    }

    /** {@code host}'s value {@code value} (a watch mark, say) at {@code offset}. */
    CompactedPartition putValue(long offset, String host, byte[] value) {
        log.put(offset, new ConsumerRecord<>(TOPIC, 0, offset, key(host), value));
        return this;
    }

    /** Checkpoints of other hosts ({@code hosts}-0, -1, ...): {@code count}, from {@code from}, {@code every} apart. */
    CompactedPartition others(String hosts, long from, int count, long every) {
        for (int h = 0; h < count; h++) {
            put(from + h * every, hosts + "-" + h, h);
        }
        return this;
    }

    /**
     * The batch of offsets [first, last] (other hosts' records at each, written here) is corrupt: a poll that comes to
     * it throws {@link #refusal}, having returned the records before it, as Kafka's consumer does at every poll from
     * that batch on; so does a poll from an offset within it (a fetch returns the whole batch).
     */
    CompactedPartition corrupt(long first, long last) {
        others("corrupt", first, (int) (last - first + 1), 1);
        corruptFirst = first;
        corruptLast = last;
        return this;
    }

    /** The records at offsets [from, to). */
    int records(long from, long to) {
        return log.subMap(from, to).size();
    }

    int records() {
        return log.size();
    }

    static String id(String host) {
        return HostIdentity.fromHostName(host).id();
    }

    static Checkpoint checkpoint(int i) {
        return new Checkpoint(1_700_000_000_000_000_000L + i, String.format("%032x", i));
    }

    private static byte[] key(String host) {
        return id(host).getBytes(StandardCharsets.UTF_8);
    }

    /** A store whose lookups read this partition, with {@code step} and the clock given. */
    CheckpointStore store(long step, LongSupplier nanoClock) {
        return new CheckpointStore(Properties::new, TOPIC, "compacted-partition-test", step,
                Duration.ofSeconds(30), reader -> switch (reader) {
                    case LOOKUP -> lookup();
                    case SEARCH -> search();
                    case WRITTEN_END -> writtenEnd();
                }, nanoClock);
    }

    private MockConsumer<byte[], byte[]> writtenEnd() {
        MockConsumer<byte[], byte[]> c = new MockConsumer<>("none");
        c.updateEndOffsets(Map.of(TP, end));
        return c;
    }

    private MockConsumer<byte[], byte[]> lookup() {
        MockConsumer<byte[], byte[]> c = reader(MAX_POLL_RECORDS, seeks, () -> polls++, false);
        lookups.add(c);
        return c;
    }

    private MockConsumer<byte[], byte[]> search() {
        MockConsumer<byte[], byte[]> c = reader(1, searchSeeks, () -> searchPolls++, true);
        searches.add(c);
        return c;
    }

    private MockConsumer<byte[], byte[]> reader(int maxPollRecords, List<Long> seeksTo, Runnable polled,
                                                boolean search) {
        MockConsumer<byte[], byte[]> c = new MockConsumer<>("none") {
            @Override
            public synchronized void seek(TopicPartition tp, long offset) {
                seeksTo.add(offset);
                super.seek(tp, offset);
            }

            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                polled.run();
                onPoll.run();
                if (stalled) {
                    return ConsumerRecords.empty();
                }
                List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : log.subMap(position(TP), true, end, false).values()) {
                    if (out.size() == maxPollRecords) {
                        break;
                    }
                    if (r.offset() == unreadable) {
                        throw new OutOfMemoryError("Java heap space (a record of a million headers, at "
                                + r.offset() + ")");
                    }
                    if (r.offset() >= corruptFirst && r.offset() <= corruptLast && !(search && corruptInFlight)) {
                        if (out.isEmpty()) {
                            throw refusal.get();
                        }
                        break; // the records before it now, the refusal at the next poll
                    }
                    out.add(r);
                }
                super.seek(TP, out.isEmpty() ? end : out.get(out.size() - 1).offset() + 1);
                return new ConsumerRecords<>(out.isEmpty() ? Map.of() : Map.of(TP, out), Map.of());
            }
        };
        c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        c.updateBeginningOffsets(Map.of(TP, begin));
        c.updateEndOffsets(Map.of(TP, end));
        return c;
    }
}
