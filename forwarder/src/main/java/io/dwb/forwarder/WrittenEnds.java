package io.dwb.forwarder;

import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The partitions' written ends (high watermarks: every record written, those of open transactions included). The
 * delivery loop reads committed records only, so its lag is measured to the last stable offset, which a transaction
 * left open (a listener gone while publishing: power lost, network cut, killed) holds back until the broker aborts it
 * (the listener's transaction timeout, then the broker's next check: over a minute): everything the partition's
 * other hosts publish meanwhile waits behind it, while the lag reads 0. A position at a written end read since shows
 * that nothing waits.
 */
interface WrittenEnds {
    /** The partitions to read from now on: the consumer's assignment. */
    void watch(Set<TopicPartition> partitions);

    /** The written end last read for {@code partition}, if read recently enough to judge by; else empty. */
    OptionalLong of(TopicPartition partition);
}
