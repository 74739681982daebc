package io.dwb.runtime;

import java.util.List;
import picocli.CommandLine.Option;

/** picocli mixin: whether and how a process creates the topics it needs on an external cluster. */
public final class TopicCreationOptions {
    @Option(names = "--create-topics", paramLabel = "true|false", arity = "1", defaultValue = "true",
            description = "Create the topics this process needs when they are missing, with the settings below; "
                    + "false for clusters whose administrators create them: a missing topic is then an error "
                    + "naming it (env: DWB_CREATE_TOPICS).")
    boolean createTopics;

    @Option(names = "--replication-factor", paramLabel = "N",
            description = "Replicas of each topic this process creates (env: DWB_REPLICATION_FACTOR). Default: "
                    + "min(3, brokers), counting the brokers down or restarting: a topic created while one is down "
                    + "gets as many replicas as when it is up.")
    Integer replicationFactor;

    @Option(names = "--min-insync-replicas", paramLabel = "N",
            description = "min.insync.replicas of each topic this process creates: replicas that must hold a record "
                    + "before it is acknowledged (env: DWB_MIN_INSYNC_REPLICAS). Default: min(2, replication "
                    + "factor).")
    Integer minInsyncReplicas;

    /** @throws ConfigurationError naming the option whose value cannot work */
    public TopicPlan plan(List<TopicSpec> topics) {
        return new TopicPlan(topics, new Replication(replicationFactor, minInsyncReplicas), createTopics);
    }
}
