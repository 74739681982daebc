package io.dwb.forwarder;

import io.dwb.schemas.ContractJson;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition where a replay's window may start before what Kafka keeps: its window starts at the partition's first
 * offset kept, retention deleted the records before it, and that first record is dated after {@code --from}; or
 * retention deleted every record it had, none kept. The deleted records may have been dated in the window: not
 * delivered, and nothing else would say so (a window wholly before the retained log read every record kept and said
 * "window delivered"; one whose every partition was emptied said "nothing in the window"). {@link ReplayWindow} says
 * none when the topic's retention rules that out ({@link TopicRetention#deletedNothingFrom}).
 *
 * @param firstKept   the partition's first offset kept, where the window starts; its end when none is kept
 * @param firstKeptMs that record's timestamp; null when none is kept
 */
record RetentionCut(TopicPartition partition, long firstKept, Long firstKeptMs) {

    /**
     * The cut of a partition whose window starts at {@code start} ({@code offsetsForTimes(from)}, null when no record
     * kept is dated at or after it), its first offset kept {@code firstKept} and its end {@code end}; none when records
     * before the start are kept, or none was ever deleted (offset 0 kept: the window starts before the partition's
     * first record).
     */
    static Optional<RetentionCut> of(TopicPartition partition, OffsetAndTimestamp start, Long firstKept, Long end,
                                     long fromMs) {
        if (firstKept == null || firstKept <= 0) {
            return Optional.empty();
        }
        if (start == null) {
            // Kafka has no offset for --from: every record kept is older (not cut, as when records before the start
            // are kept), or none is kept, retention deleted them all, and of their dates nothing is known
            return end != null && end <= firstKept ? Optional.of(new RetentionCut(partition, firstKept, null))
                    : Optional.empty();
        }
        if (start.offset() != firstKept || start.timestamp() <= fromMs) {
            return Optional.empty();
        }
        return Optional.of(new RetentionCut(partition, firstKept, start.timestamp()));
    }

    /** How the start line names it. */
    String described() {
        if (firstKeptMs == null) {
            return partition + " wholly (every record below offset " + firstKept + " deleted, none kept)";
        }
        return partition + " from offset " + firstKept + " (dated " + ContractJson.rfc3339(firstKeptMs * 1_000_000L)
                + ")";
    }
}
