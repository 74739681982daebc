package io.dwb.forwarder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Stands in for offsets of one partition that no poll of this forwarder's heap can read (a record of a million empty
 * headers is ~61 MB of objects once Kafka's consumer has built them, before any deserializer runs, and every record
 * after it in its batch is read through it): dead-lettered {@code unreadable}, so that delivery and commits go past
 * them. Its offset is the range's last, so that committing past it commits past the range; it has no key, value or
 * headers. Never made by Kafka: the classifier tells it by its class.
 */
final class UnreadableRecord extends ConsumerRecord<byte[], byte[]> {
    /** Far more than any writer of the contract puts on a record (the listener puts fewer than ten). */
    static final int MAX_HEADERS = 1_000;

    private final long firstOffset;
    private final String detail;

    UnreadableRecord(TopicPartition partition, long firstOffset, long lastOffset, String detail) {
        super(partition.topic(), partition.partition(), lastOffset, null, null);
        this.firstOffset = firstOffset;
        this.detail = detail;
    }

    /**
     * {@code record}, or its stand-in when it has more than {@link #MAX_HEADERS} headers: a heap that holds one such
     * record of a million headers (~61 MB of objects) holds nothing else, so it is never held, nor copied into its
     * dead letter.
     */
    static ConsumerRecord<byte[], byte[]> orItself(ConsumerRecord<byte[], byte[]> record) {
        int headers = 0;
        for (Header ignored : record.headers()) {
            if (++headers > MAX_HEADERS) {
                int all = record.headers().toArray().length;
                return new UnreadableRecord(new TopicPartition(record.topic(), record.partition()), record.offset(),
                        record.offset(), "offset " + record.offset() + ": " + all + " headers, over the "
                                + MAX_HEADERS + " any record of the contract has; no heap holds a poll's worth of "
                                + "such records");
            }
        }
        return record;
    }

    /** The first offset passed over (the range's last is {@link #offset()}). */
    long firstOffset() {
        return firstOffset;
    }

    /** Why, for the dead letter's error header and the log. */
    String detail() {
        return detail;
    }
}
