package io.dwb.runtime;

/**
 * The three topics of the contract: the options that name them and size them, and the cleanup policy each cannot
 * work without (with what would go wrong otherwise, for the error a person reads).
 */
public enum TopicRole {
    EVENTS("--topic", "--topic-partitions", false,
            "compaction keeps only each host's newest record: events would be deleted",
            "at most that many forwarders of a group share the events; kafka-topics.sh --alter --partitions adds "
                    + "more (each host's records then go to its new partition)"),
    CHECKPOINTS("--checkpoint-topic", "--checkpoint-partitions", true,
            "deletion by retention removes the checkpoint of a host that published nothing for that long, and its "
                    + "listener would then resume without the gap record that says what was lost",
            "each listener reads more of it to find its checkpoint at start; never add partitions to it: hosts "
                    + "would look for their checkpoint in another partition"),
    DEAD_LETTERS("--dlq-topic", "--dlq-partitions", false,
            "compaction keeps only each host's newest dead letter",
            "fewer partitions only spread dead letters over fewer brokers");

    private final String nameOption;
    private final String partitionsOption;
    private final boolean compacted;
    private final String wrongPolicyConsequence;
    private final String fewerPartitionsConsequence;

    TopicRole(String nameOption, String partitionsOption, boolean compacted, String wrongPolicyConsequence,
              String fewerPartitionsConsequence) {
        this.nameOption = nameOption;
        this.partitionsOption = partitionsOption;
        this.compacted = compacted;
        this.wrongPolicyConsequence = wrongPolicyConsequence;
        this.fewerPartitionsConsequence = fewerPartitionsConsequence;
    }

    /** The option that names this topic, for messages that say how to point elsewhere. */
    public String nameOption() {
        return nameOption;
    }

    /** The option that sets this topic's partition count when it is created. */
    public String partitionsOption() {
        return partitionsOption;
    }

    /** True: {@code cleanup.policy=compact} is required; false: compaction is refused. */
    public boolean compacted() {
        return compacted;
    }

    /** Why a topic of this role with the other cleanup policy cannot be used. */
    String wrongPolicyConsequence() {
        return wrongPolicyConsequence;
    }

    /** What fewer partitions than asked cost (a warning, not a refusal). */
    String fewerPartitionsConsequence() {
        return fewerPartitionsConsequence;
    }
}
