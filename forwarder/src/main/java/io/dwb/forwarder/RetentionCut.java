package io.dwb.forwarder;

import io.dwb.schemas.ContractJson;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition where a replay's window may start before what Kafka keeps: its window starts at the partition's first
 * offset kept, retention deleted the records before it, and that first record is dated after {@code --from}. The
 * deleted records may have been dated in the window: not delivered, and nothing else would say so (a window wholly
 * before the retained log read every record kept and said "window delivered").
 *
 * @param firstKept   the partition's first offset kept, where the window starts
 * @param firstKeptMs that record's timestamp
 */
record RetentionCut(TopicPartition partition, long firstKept, long firstKeptMs) {

    /**
     * The cut of a partition whose window starts at {@code start} ({@code offsetsForTimes(from)}), its first offset
     * kept {@code firstKept}; none when records before the start are kept, or none was ever deleted (offset 0 kept:
     * the window starts before the partition's first record).
     */
    static Optional<RetentionCut> of(TopicPartition partition, OffsetAndTimestamp start, Long firstKept,
                                     long fromMs) {
        if (start == null || firstKept == null || firstKept <= 0 || start.offset() != firstKept
                || start.timestamp() <= fromMs) {
            return Optional.empty();
        }
        return Optional.of(new RetentionCut(partition, firstKept, start.timestamp()));
    }

    /** How the start line names it. */
    String described() {
        return partition + " from offset " + firstKept + " (dated " + ContractJson.rfc3339(firstKeptMs * 1_000_000L)
                + ")";
    }
}
