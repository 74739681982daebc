package io.dwb.forwarder;

import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * A partition whose records past its stable end a replay does not read: a transaction open there (a listener's
 * ordinary one in flight, for a moment; a listener that died mid-transaction, for its timeout; a writer that keeps
 * one open, or one the broker left hanging) holds them from read_committed consumers, and the replay's ends are the
 * stable ends when it starts.
 *
 * @param stableOffset where the replay stops in it
 * @param waiting      records written past it
 */
record HeldPartition(TopicPartition partition, long stableOffset, long waiting) {

    /** The hold of a partition whose stable end is {@code stable} and written end {@code written}; none when equal. */
    static Optional<HeldPartition> of(TopicPartition partition, Long stable, Long written) {
        if (stable == null || written == null || written <= stable) {
            return Optional.empty();
        }
        return Optional.of(new HeldPartition(partition, stable, written - stable));
    }

    /** How a line names it. */
    String described() {
        return partition + " at " + stableOffset;
    }
}
