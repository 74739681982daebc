package io.dwb.forwarder;

import org.apache.kafka.common.TopicPartition;

/**
 * What the open-transaction watch found changed on a partition of the events topic, said in Wazuh too by the
 * delivery loop while the partition is its own: a stall begun or ended ({@link StalledPartitions.Change}), writes
 * refused or taken again ({@link UnwritablePartitions.Change}); and what the delivery loop found itself: one host's
 * flood filling its backlog, and its end ({@link FloodingHosts.Change}). A security team watches Wazuh, not the
 * forwarders' logs: each of these stops or frees the alerts of every host of the partition.
 */
sealed interface PartitionChange
        permits StalledPartitions.Change, UnwritablePartitions.Change, FloodingHosts.Change {
    TopicPartition partition();

    /** The host the change is about, the alert's {@code docker_host}: none but for a flood. */
    default HostRef host() {
        return HostRef.UNKNOWN;
    }
}
