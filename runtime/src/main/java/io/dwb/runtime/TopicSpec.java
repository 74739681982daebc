package io.dwb.runtime;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one topic of the contract is created: its role, name, partition count and topic-level settings (replication
 * is chosen for the whole {@link TopicPlan}, from the cluster's size). The factories are the one place that says what
 * each topic needs.
 */
public record TopicSpec(TopicRole role, String name, int partitions, Map<String, String> configs) {
    private static final Logger log = LoggerFactory.getLogger(TopicSpec.class);
    /** Events are keyed by host: partitions bound how many forwarders of a group share the work. */
    public static final int DEFAULT_EVENTS_PARTITIONS = 12;
    /**
     * Checkpoints are keyed by host and a listener reads only its host's partition at start, back from its end to the
     * host's newest checkpoint (which a listener writes at least every 5 minutes): 12 partitions keep each to about
     * 1/12 of the hosts and of their checkpoints (some 830 hosts at 10,000), divide evenly over 1, 2, 3, 4 or 6
     * brokers, and cost a broker little.
     */
    public static final int DEFAULT_CHECKPOINT_PARTITIONS = 12;
    /** Dead letters are rare: a few partitions spread them over the brokers. */
    public static final int DEFAULT_DLQ_PARTITIONS = 3;
    public static final String DEFAULT_EVENTS_RETENTION = "7d";
    public static final String DEFAULT_DLQ_RETENTION = "30d";
    /** The option that sets the events topic's {@code retention.ms} (the listener's, the standalone's). */
    public static final String RETENTION_OPTION = "--retention";
    /** The option that sets the dead-letter topic's {@code retention.ms} (the forwarder's). */
    public static final String DLQ_RETENTION_OPTION = "--dlq-retention";
    /**
     * A retention under it deletes records before a forwarder stopped for a restart, or one waiting for Wazuh,
     * delivers them: said at start ({@code --retention 0} is refused: it was taken, and Kafka deleted every event
     * within minutes). Not refused: a deployment that set one before would no longer start after an upgrade.
     */
    public static final Duration SHORT_RETENTION = Duration.ofHours(1);
    /**
     * The checkpoint topic's active segment, which compaction never touches, rolls at least this often: a partition
     * then holds about one record per host plus about this much of recent checkpoints. (What a lookup reads is bounded
     * otherwise: a running listener writes its checkpoint at least every 5 minutes, so it finds it within what its
     * partition took in that time.)
     */
    static final Duration CHECKPOINT_SEGMENT_AGE = Duration.ofHours(1);
    /**
     * The largest record, once decompressed, the events and checkpoint topics take: the contract's longest value
     * ({@code StandIn.MAX_VALUE_BYTES}, 1 MiB) with room for its key and headers. {@code max.message.bytes} bounds
     * only the compressed batch, and a consumer allocates a record's decompressed size before anyone can check it:
     * without this bound, one zstd record of a few kilobytes written by any principal that may write the topic
     * inflates to hundreds of megabytes in every forwarder (or listener) that reads it, and each exits on
     * OutOfMemoryError at the same offset.
     */
    public static final int MAX_DECOMPRESSED_RECORD_BYTES = 2 * 1024 * 1024;
    /**
     * Settings older brokers do not know (and refuse a topic for): such a topic is created without them, with a
     * warning. {@code max.decompressed.message.bytes}: Kafka 4.2.2, 4.4.0 and later (not 4.3.0 or 4.3.1).
     */
    static final Set<String> NOT_ON_OLDER_BROKERS = Set.of(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG);
    /**
     * Every topic of the bridge's: no unclean leader election, whatever the cluster's default. An out-of-sync replica
     * made leader truncates what the others had acknowledged: events the listener committed (and checkpointed past)
     * or dead letters the forwarder committed past, gone without a gap record.
     */
    static final Map<String, String> CLEAN_LEADERS_ONLY = Map.of(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG,
            "false");

    public TopicSpec {
        requireName(role, name);
        if (partitions < 1) {
            throw new ConfigurationError(role.partitionsOption() + " must be at least 1, not " + partitions);
        }
        configs = Collections.unmodifiableMap(new LinkedHashMap<>(configs)); // in order, for messages
    }

    /**
     * {@code name}, given for a topic of {@code role}, is one Kafka takes: told here, in the option's words, where
     * Kafka's refusal later blamed the cluster ("refused to describe or create topics"), an exit 1 restarted for ever.
     *
     * @throws ConfigurationError naming the option when it is not
     */
    public static void requireName(TopicRole role, String name) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            throw new ConfigurationError(role.nameOption() + " '" + name + "' is not a Kafka topic name: "
                    + e.getMessage());
        }
    }

    /** The events topic: deleted after {@code retention} (how far back a replay reaches) or beyond {@code bytes}. */
    public static TopicSpec events(String name, int partitions, Duration retention, long retentionBytes) {
        requireRetention(RETENTION_OPTION, retention);
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        configs.put(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()));
        if (retentionBytes > 0) {
            configs.put(TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(retentionBytes));
        }
        configs.put(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_DECOMPRESSED_RECORD_BYTES));
        configs.putAll(CLEAN_LEADERS_ONLY);
        return new TopicSpec(TopicRole.EVENTS, name, partitions, configs);
    }

    /** The checkpoint topic: compacted (one record per host, kept for ever), segments rolled hourly. */
    public static TopicSpec checkpoints(String name, int partitions) {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        configs.put(TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(CHECKPOINT_SEGMENT_AGE.toMillis()));
        configs.put(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_DECOMPRESSED_RECORD_BYTES));
        configs.putAll(CLEAN_LEADERS_ONLY);
        return new TopicSpec(TopicRole.CHECKPOINTS, name, partitions, configs);
    }

    /**
     * The dead-letter topic: kept {@code retention} for inspection, counted from when each letter was written, by
     * the broker's clock ({@code LogAppendTime}): the forwarder's own clock, an hour or more off (a host whose hardware
     * clock keeps local time), had every letter refused as out of range (Kafka's {@code
     * message.timestamp.after.max.ms}, 1 h) and delivery waiting behind it.
     */
    public static TopicSpec deadLetters(String name, int partitions, Duration retention) {
        requireRetention(DLQ_RETENTION_OPTION, retention);
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        configs.put(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()));
        configs.put(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
        configs.putAll(CLEAN_LEADERS_ONLY);
        return new TopicSpec(TopicRole.DEAD_LETTERS, name, partitions, configs);
    }

    private static void requireRetention(String option, Duration retention) {
        if (retention.toMillis() < 1) {
            throw new ConfigurationError(option + " must be above 0, not " + DurationArgument.text(retention)
                    + ": Kafka would delete every record within minutes, what no forwarder has delivered yet "
                    + "included");
        }
        if (retention.compareTo(SHORT_RETENTION) < 0) {
            log.warn("{} {} is under {}: a topic made with it (when missing) deletes what is older, what a "
                    + "forwarder stopped or waiting for Wazuh has not delivered yet included", option,
                    DurationArgument.text(retention), DurationArgument.text(SHORT_RETENTION));
        }
    }

    /** This spec with one more topic-level setting. */
    public TopicSpec withConfig(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(configs);
        more.put(key, value);
        return new TopicSpec(role, name, partitions, more);
    }

    /** This spec without the settings older brokers do not know ({@link #NOT_ON_OLDER_BROKERS}). */
    TopicSpec forOlderBrokers() {
        Map<String, String> known = new LinkedHashMap<>(configs);
        known.keySet().removeAll(NOT_ON_OLDER_BROKERS);
        return new TopicSpec(role, name, partitions, known);
    }

    /** What an administrator must give when creating it by hand, e.g. in an error message. */
    public String describe(short replicationFactor, int minInsyncReplicas) {
        StringBuilder text = new StringBuilder().append(partitions).append(" partitions, replication factor ")
                .append(replicationFactor).append(", min.insync.replicas=").append(minInsyncReplicas);
        configs.forEach((key, value) -> text.append(", ").append(key).append('=').append(value));
        return text.toString();
    }
}
