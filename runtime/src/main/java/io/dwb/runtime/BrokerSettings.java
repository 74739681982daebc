package io.dwb.runtime;

import java.util.Locale;
import java.util.Map;

/**
 * Broker settings the bridge recommends beyond Kafka's defaults, in one place: the standalone's embedded broker,
 * the cluster of {@code deploy/kafka-cluster.compose.yml} and the bench's broker use them, and docs/deployment.md
 * says why. They are the brokers' (a shared cluster's administrators decide): the bridge works without them.
 */
public final class BrokerSettings {
    /**
     * How long a broker waits before trying again to add a partition to a transaction whose previous one is still
     * being completed (its markers not all written): Kafka's default is 20 ms. A listener whose events keep coming
     * begins its next transaction as soon as the last one committed, and with transactions version 2 (Kafka 4.0+)
     * its first records then often wait that retry: back-to-back transactions on the bench's broker had their records
     * acknowledged p99 30-33 ms after the commit began with 20 ms, 11-23 ms with 5 ms (docs/benchmarks.md). Each try
     * is one request from the partition's leader to the transaction coordinator, so the value is not lower.
     */
    public static final String ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MS = "5";

    /** The settings by broker property name. */
    public static final Map<String, String> RECOMMENDED = Map.of("add.partitions.to.txn.retry.backoff.ms",
            ADD_PARTITIONS_TO_TXN_RETRY_BACKOFF_MS);

    /**
     * What a broker that is the only replica of its partitions (the standalone's embedded one, the Compose
     * deployment's) adds to {@link #RECOMMENDED}: it forces each write to disk before acknowledging it. Kafka leaves
     * that to the kernel by default and counts on other replicas to hold what a power cut takes from one; with none,
     * a power cut lost what the page cache held and cut each partition's log back on its own, so the checkpoints
     * could keep a checkpoint whose events the events partition lost, and the listener resumed after events in no
     * topic without a gap. docs/standalone.md gives the cost measured.
     */
    public static final Map<String, String> ONE_REPLICA = Map.of("log.flush.interval.messages", "1");

    private BrokerSettings() {}

    /**
     * The environment variable of the apache/kafka image (the Compose files', the bench's) that sets broker property
     * {@code name}: {@code KAFKA_}, then the name in upper case with dots as underscores.
     */
    public static String imageVariable(String name) {
        return "KAFKA_" + name.toUpperCase(Locale.ROOT).replace('.', '_');
    }
}
