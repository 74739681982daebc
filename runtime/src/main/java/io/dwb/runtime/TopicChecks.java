package io.dwb.runtime;

import io.dwb.runtime.TopicProblem.Severity;
import io.dwb.runtime.TopicProblem.Subject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.config.TopicConfig;

/** What an existing topic's settings mean for its role: the rules {@link TopicProvisioner} applies, one each. */
final class TopicChecks {
    private TopicChecks() {}

    /** A checkpoint topic must be compacted and only compacted; events and dead letters must not be compacted. */
    static List<TopicProblem> policy(TopicSpec spec, String cleanupPolicy) {
        if (cleanupPolicy == null) {
            return List.of();
        }
        List<String> policies = Arrays.stream(cleanupPolicy.split(",")).map(String::strip).toList();
        boolean compact = policies.contains(TopicConfig.CLEANUP_POLICY_COMPACT);
        boolean delete = policies.contains(TopicConfig.CLEANUP_POLICY_DELETE);
        boolean usable = spec.role().compacted() ? compact && !delete : !compact;
        if (usable) {
            return List.of();
        }
        String wanted = spec.role().compacted() ? TopicConfig.CLEANUP_POLICY_COMPACT
                : TopicConfig.CLEANUP_POLICY_DELETE;
        return List.of(new TopicProblem(spec.name(), TopicConfig.CLEANUP_POLICY_CONFIG, Subject.SETTING,
                Severity.REFUSAL,
                "topic " + spec.name() + " has cleanup.policy=" + cleanupPolicy + " but needs cleanup.policy="
                        + wanted + " (" + spec.role().wrongPolicyConsequence() + "): set it with kafka-configs.sh "
                        + "--alter --entity-type topics --entity-name " + spec.name() + " --add-config "
                        + "cleanup.policy=" + wanted + ", or name another topic with " + spec.role().nameOption()));
    }

    /**
     * One in-sync replica of several is a warning; so are more required than the topic has. Brokers since Kafka 3.7
     * ask {@code min(min.insync.replicas, replicas)} (KAFKA-15583): such a topic takes writes while all its replicas
     * are in sync, and none once one is down or behind. It was a refusal (exit 2) saying Kafka would refuse every
     * write, which only brokers before 3.7 do: a listener refused to start on a topic its brokers wrote to.
     */
    static List<TopicProblem> minInsync(TopicSpec spec, String minInsyncReplicas, int replicas) {
        if (minInsyncReplicas == null) {
            return List.of();
        }
        int required = Integer.parseInt(minInsyncReplicas.strip());
        if (required > replicas) {
            return List.of(new TopicProblem(spec.name(), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Subject.SETTING,
                    Severity.WARNING,
                    "topic " + spec.name() + " has min.insync.replicas=" + required + " but " + replicas
                            + " replica(s): brokers since Kafka 3.7 ask all " + replicas + " in sync for each write, "
                            + "so one broker down or behind stops writes to it (before 3.7 they refuse every "
                            + "write, NOT_ENOUGH_REPLICAS); set min.insync.replicas to " + Math.min(2, replicas)
                            + " with kafka-configs.sh --alter --entity-type topics --entity-name " + spec.name()
                            + " --add-config min.insync.replicas=" + Math.min(2, replicas)));
        }
        if (required < 2 && replicas >= 2) {
            return List.of(new TopicProblem(spec.name(), TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Subject.SETTING,
                    Severity.WARNING,
                    "topic " + spec.name() + " has min.insync.replicas=" + required + " with " + replicas
                            + " replicas: an acknowledged record may live on one broker only, and be lost with it"));
        }
        return List.of();
    }

    /**
     * A topic that takes records decompressing beyond the bound asked
     * ({@link TopicSpec#MAX_DECOMPRESSED_RECORD_BYTES}), or whose brokers cannot bound them (no such setting before
     * Kafka 4.2.2): a warning, since it works; but one compressed record from anyone who may write it can make every
     * reader exit on OutOfMemoryError.
     */
    static List<TopicProblem> decompressedBound(TopicSpec spec, String maxDecompressedBytes) {
        String wanted = spec.configs().get(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG);
        if (wanted == null) {
            return List.of();
        }
        if (maxDecompressedBytes == null) {
            return List.of(withoutDecompressedBound(spec, "the brokers of topic " + spec.name() + " do not know "
                    + TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG));
        }
        if (Long.parseLong(maxDecompressedBytes.strip()) > Long.parseLong(wanted)) {
            return List.of(withoutDecompressedBound(spec, "topic " + spec.name() + " has "
                    + TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG + "=" + maxDecompressedBytes.strip()));
        }
        return List.of();
    }

    /** The warning for a topic without the bound on decompressed records, {@code why} first. */
    static TopicProblem withoutDecompressedBound(TopicSpec spec, String why) {
        String setting = TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG;
        return new TopicProblem(spec.name(), setting, Subject.SETTING,
                Severity.WARNING, why + ": a compressed record of a few "
                + "kilobytes from anyone allowed to write it can inflate beyond a reader's heap, and every forwarder "
                + "or listener that reads it exits on OutOfMemoryError (docs/security.md); on Kafka 4.2.2, 4.4.0 or "
                + "later set it with kafka-configs.sh --alter --entity-type topics --entity-name " + spec.name()
                + " --add-config " + setting + "=" + spec.configs().get(setting));
    }

    /**
     * A topic that allows unclean leader election when the bridge would create it without ({@link
     * TopicSpec#CLEAN_LEADERS_ONLY}): a warning, since it works; but a broker failure may lose acknowledged records.
     */
    static List<TopicProblem> uncleanElection(TopicSpec spec, String uncleanLeaderElection) {
        String setting = TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG;
        String wanted = spec.configs().get(setting);
        if (wanted == null || uncleanLeaderElection == null
                || uncleanLeaderElection.strip().equalsIgnoreCase(wanted)) {
            return List.of();
        }
        return List.of(new TopicProblem(spec.name(), setting, Subject.SETTING,
                Severity.WARNING, "topic " + spec.name() + " has "
                + setting + "=" + uncleanLeaderElection.strip() + ": a replica that missed acknowledged records may "
                + "become its leader when a broker fails, and those records are lost without a gap record; set it "
                + "with kafka-configs.sh --alter --entity-type topics --entity-name " + spec.name() + " --add-config "
                + setting + "=" + wanted));
    }

    /**
     * A topic stamped with its producers' time where the bridge would have the broker stamp it (the dead-letter
     * topic, {@link TopicSpec#deadLetters}): a warning, since it works while the writer's clock is right; a forwarder
     * whose clock is off by more than the topic's {@code message.timestamp.after.max.ms} (1 h) or {@code
     * before.max.ms} has every letter refused, and its delivery waits behind it.
     */
    static List<TopicProblem> timestampType(TopicSpec spec, String timestampType) {
        String setting = TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG;
        String wanted = spec.configs().get(setting);
        if (wanted == null || timestampType == null || timestampType.strip().equalsIgnoreCase(wanted)) {
            return List.of();
        }
        return List.of(new TopicProblem(spec.name(), setting, Subject.SETTING,
                Severity.WARNING, "topic " + spec.name() + " has "
                + setting + "=" + timestampType.strip() + ": a writer whose clock is off by more than the topic's "
                + "message.timestamp.after.max.ms / before.max.ms has its records refused (a forwarder's dead "
                + "letters, and its delivery waits behind them); let the broker stamp them: kafka-configs.sh --alter "
                + "--entity-type topics --entity-name " + spec.name() + " --add-config " + setting + "=" + wanted));
    }

    /** Fewer partitions or replicas than asked: the topic works, with less parallelism or less safety. */
    static List<TopicProblem> size(TopicSpec spec, int partitions, int replicas, short factor) {
        List<TopicProblem> problems = new ArrayList<>();
        if (partitions < spec.partitions()) {
            problems.add(new TopicProblem(spec.name(), spec.role().partitionsOption(), Subject.LAYOUT, Severity.WARNING,
                    "topic " + spec.name() + " has " + partitions + " partition(s), " + spec.partitions()
                            + " asked (" + spec.role().partitionsOption() + "): "
                            + spec.role().fewerPartitionsConsequence()));
        }
        if (replicas < factor) {
            problems.add(new TopicProblem(spec.name(), "--replication-factor", Subject.LAYOUT, Severity.WARNING,
                    "topic " + spec.name() + " has " + replicas + " replica(s), " + factor + " wanted "
                            + "(--replication-factor): losing a broker makes it unavailable, or loses records; add "
                            + "replicas with kafka-reassign-partitions.sh (docs/deployment.md, a topic with fewer "
                            + "replicas than wanted)"));
        }
        return problems;
    }
}
