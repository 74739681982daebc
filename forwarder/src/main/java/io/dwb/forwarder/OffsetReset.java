package io.dwb.forwarder;

import java.util.Collection;
import java.util.Locale;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a partition without a usable offset starts: the consumer's {@code auto.offset.reset}, applied by the
 * forwarder itself while the consumer is given {@code none}. The consumer's own reset moved past records Kafka had
 * deleted before they were delivered (retention, with Wazuh down for longer) without a word; the forwarder now sees
 * each such move and reports what was lost ({@link DeliveryLoop}).
 */
enum OffsetReset {
    /** From the first record kept: the default, so that events published before the first start are delivered. */
    EARLIEST,
    /** From the next record written. */
    LATEST,
    /** Fail, as Kafka's {@code none} does. */
    NONE,
    /**
     * Another strategy of the client's ({@code by_duration:P1D}): left to the consumer, which then also moves past
     * records deleted before delivery without a word.
     */
    CONSUMER;

    /** The value of {@code auto.offset.reset} in the Kafka client properties; null for the default. */
    static OffsetReset of(String value) {
        if (value == null || value.isBlank()) {
            return EARLIEST;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "earliest" -> EARLIEST;
            case "latest" -> LATEST;
            case "none" -> NONE;
            default -> CONSUMER;
        };
    }

    /** Whether the forwarder applies it (the consumer given {@code none}): it then sees records deleted unread. */
    boolean appliedHere() {
        return this != CONSUMER;
    }

    void seek(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        switch (this) {
            case EARLIEST -> consumer.seekToBeginning(partitions);
            case LATEST -> consumer.seekToEnd(partitions);
            case NONE -> throw new NoOffsetForPartitionException(partitions);
            case CONSUMER -> { } // the consumer's own strategy places them
        }
    }
}
