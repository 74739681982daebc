package io.dwb.forwarder;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Stands in for offsets of one partition that no poll of this forwarder's heap can read (a record of a million empty
 * headers is ~61 MB of objects once Kafka's consumer has built them, before any deserializer runs, and every record
 * after it in its batch is read through it): dead-lettered {@code unreadable}, so that delivery and commits go past
 * them. Its offset is the range's last, so that committing past it commits past the range; it has no key, value or
 * headers. Never made by Kafka: the classifier tells it by its class.
 */
final class UnreadableRecord extends ConsumerRecord<byte[], byte[]> {
    private final long firstOffset;
    private final String detail;

    UnreadableRecord(TopicPartition partition, long firstOffset, long lastOffset, String detail) {
        super(partition.topic(), partition.partition(), lastOffset, null, null);
        this.firstOffset = firstOffset;
        this.detail = detail;
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
