package io.dwb.forwarder;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Which partitions have records written past their last stable offset: a transaction open on them. The delivery
 * loop reads committed records only, so its lag is measured to the stable end, which a transaction left open (a
 * listener gone while publishing: power lost, network cut, killed) holds back until the broker aborts it (the
 * listener's transaction timeout, then the broker's next check: over a minute). Everything the partition's other
 * hosts publish meanwhile waits behind it, written, while the lag reads 0.
 */
interface OpenTransactions {
    /** The partitions to look at from now on: the consumer's assignment. */
    void watch(Set<TopicPartition> partitions);

    /**
     * Whether {@code partition} had records written past its stable end when last looked at, within the last few
     * seconds, or its leader did not answer while the others' did (this process is cut off from it); false when not
     * known (then the lag alone says whether its records are all read, as before).
     */
    boolean holdBack(TopicPartition partition);

    /**
     * Whether {@code partition} took no writes when last looked at, within the last few seconds: fewer in-sync
     * replicas than its topic needs ({@link UnwritablePartitions}); false when not known.
     */
    default boolean unwritable(TopicPartition partition) {
        return false;
    }

    /**
     * What was said since the last call (stalls begun or moving again, writes refused or taken again), to be said in
     * Wazuh too; none by default.
     */
    default List<PartitionChange> takeSaid() {
        return List.of();
    }
}
