package io.dwb.schemas;

import org.apache.kafka.common.utils.Utils;

/**
 * Where a host's records go: the listener leaves the partition to its producers' default partitioner (a partitioner
 * its Kafka client file names is ignored), which puts a keyed record (the key is the host id) in murmur2 of the key
 * modulo the topic's partition count. The listener's checkpoint lookup reads there; the forwarder's silent-host watch
 * tells by it which hosts moved when partitions were added.
 */
public final class HostPartition {
    private HostPartition() {
    }

    /** The key's hash as the default partitioner takes it, from which {@link #of} is the remainder; -1 for none. */
    public static int hash(byte[] key) {
        return key == null ? -1 : Utils.toPositive(Utils.murmur2(key));
    }

    /** The partition of {@code partitions} that the default partitioner gives a record keyed {@code key}. */
    public static int of(byte[] key, int partitions) {
        return hash(key) % partitions;
    }
}
