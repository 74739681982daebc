package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Kafka's MockConsumer over partition logs held here, answering what a replay or a group's start asks a broker as a
 * read_committed consumer of one is answered: the topic's partitions; {@code offsetsForTimes} by the logs' records
 * (the first offset kept, below the stable end, whose timestamp is at or after the time asked, as the time index
 * finds it: a later record with an older timestamp is not it); the first offset kept and the stable end. Records
 * written past the stable end (a transaction open there) are in the log, not read. A partition assigned is given its
 * records kept below the stable end to poll (one poll takes them all); retention deleting records before they are
 * polled makes that poll fail out of range, as a fetch does.
 */
final class PartitionLogConsumer extends MockConsumer<byte[], byte[]> {
    private final String topic;
    private final Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> logs = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> firsts = new HashMap<>();
    private final Map<TopicPartition, Long> stableEnds = new HashMap<>();

    PartitionLogConsumer(String topic, int partitions) {
        super("none");
        this.topic = topic;
        List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            TopicPartition tp = new TopicPartition(topic, p);
            logs.put(tp, new ArrayList<>());
            firsts.put(tp, 0L);
            stableEnds.put(tp, 0L);
            infos.add(new PartitionInfo(topic, p, Node.noNode(), new Node[0], new Node[0]));
        }
        updatePartitions(topic, infos);
        updateBeginningOffsets(firsts);
        updateEndOffsets(stableEnds);
    }

    TopicPartition partition(int p) {
        return new TopicPartition(topic, p);
    }

    /** Appends {@code record} to partition {@code p}, committed (the stable end moves past it); returns it as read. */
    synchronized ConsumerRecord<byte[], byte[]> append(int p, ProducerRecord<byte[], byte[]> record) {
        ConsumerRecord<byte[], byte[]> written = write(p, record);
        stableEnds.put(partition(p), written.offset() + 1);
        updateEndOffsets(Map.of(partition(p), written.offset() + 1));
        return written;
    }

    /** Appends {@code record} to partition {@code p} in a transaction left open: written, past the stable end. */
    synchronized ConsumerRecord<byte[], byte[]> appendOpen(int p, ProducerRecord<byte[], byte[]> record) {
        return write(p, record);
    }

    private ConsumerRecord<byte[], byte[]> write(int p, ProducerRecord<byte[], byte[]> record) {
        List<ConsumerRecord<byte[], byte[]>> log = logs.get(partition(p));
        byte[] key = record.key() == null ? new byte[0] : record.key();
        byte[] value = record.value() == null ? new byte[0] : record.value();
        ConsumerRecord<byte[], byte[]> written = new ConsumerRecord<>(topic, p, log.size(), record.timestamp(),
                TimestampType.CREATE_TIME, key.length, value.length, record.key(), record.value(),
                new RecordHeaders(record.headers().toArray()), Optional.empty());
        log.add(written);
        return written;
    }

    /** The transaction open on partition {@code p} commits: its stable end moves to its written end. */
    synchronized void commitOpen(int p) {
        long written = logs.get(partition(p)).size();
        stableEnds.put(partition(p), written);
        updateEndOffsets(Map.of(partition(p), written));
    }

    /** Retention: the records of {@code p} before {@code offset} are deleted. */
    synchronized void deleteBefore(int p, long offset) {
        firsts.put(partition(p), offset);
        updateBeginningOffsets(Map.of(partition(p), offset));
    }

    /** Each partition's written end (its high watermark, as read_uncommitted sees it). */
    synchronized Map<TopicPartition, Long> writtenEnds(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        partitions.forEach(tp -> ends.put(tp, (long) logs.get(tp).size()));
        return ends;
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times) {
        Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
        times.forEach((tp, time) -> {
            OffsetAndTimestamp first = null;
            for (ConsumerRecord<byte[], byte[]> r : logs.get(tp)) {
                if (r.offset() >= firsts.get(tp) && r.offset() < stableEnds.get(tp) && r.timestamp() >= time) {
                    first = new OffsetAndTimestamp(r.offset(), r.timestamp());
                    break;
                }
            }
            found.put(tp, first);
        });
        return found;
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                   Duration timeout) {
        return offsetsForTimes(times);
    }

    @Override
    public synchronized void assign(Collection<TopicPartition> partitions) {
        super.assign(partitions);
        for (TopicPartition tp : partitions) {
            for (ConsumerRecord<byte[], byte[]> r : logs.get(tp)) {
                if (r.offset() < stableEnds.get(tp)) {
                    addRecord(r);
                }
            }
        }
    }
}
