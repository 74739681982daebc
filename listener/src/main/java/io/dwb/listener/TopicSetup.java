package io.dwb.listener;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the events topic and the compacted checkpoints topic when they are missing (broker defaults for
 * partitions and replication). It is also the first contact with Kafka, so it is where an unreachable cluster is
 * reported, naming the servers tried.
 */
final class TopicSetup {
    private TopicSetup() {}

    static void ensure(Admin admin, String bootstrapServers, String eventsTopic, String checkpointsTopic,
                       long timeoutSeconds) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeoutSeconds, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(eventsTopic)) {
                missing.add(new NewTopic(eventsTopic, java.util.Optional.empty(), java.util.Optional.empty()));
            }
            if (!existing.contains(checkpointsTopic)) {
                missing.add(new NewTopic(checkpointsTopic, java.util.Optional.of(1), java.util.Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(timeoutSeconds, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) { // another listener created it first
                        throw e;
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new TransactionalPublisher.KafkaUnavailable("cannot reach Kafka at " + bootstrapServers
                    + " (no answer within " + timeoutSeconds + " s)", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new TransactionalPublisher.KafkaUnavailable("cannot reach Kafka at " + bootstrapServers
                        + " (no answer within " + timeoutSeconds + " s)", e);
            }
            throw new TransactionalPublisher.KafkaUnavailable("Kafka at " + bootstrapServers
                    + " refused to list or create topics: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransactionalPublisher.KafkaUnavailable("interrupted while contacting Kafka", e);
        }
    }

    static Admin admin(Properties clientConfig, long timeoutSeconds) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.putIfAbsent("default.api.timeout.ms", String.valueOf(timeoutSeconds * 1000));
        p.putIfAbsent("request.timeout.ms", String.valueOf(Math.min(timeoutSeconds * 1000, 30_000)));
        return Admin.create(p);
    }
}
