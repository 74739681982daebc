package io.dwb.standalone;

import io.dwb.schemas.Topics;
import java.time.Duration;
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

/**
 * The three topics of the contract on the embedded broker, created once with bounds suited to one host's disk:
 * events kept {@code retention} and at most {@code maxBytes}; the checkpoint compacted; the dead letters 30 days.
 * One partition each: one engine, one ordered stream.
 */
final class StandaloneTopics {
    private StandaloneTopics() {}

    static void ensure(Properties client, Duration retention, long maxBytes) {
        try (Admin admin = Admin.create(client)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(Topics.EVENTS)) {
                missing.add(new NewTopic(Topics.EVENTS, 1, (short) 1).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retention.toMillis()),
                        TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(maxBytes),
                        TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(Math.min(maxBytes / 4, 64L << 20)))));
            }
            if (!existing.contains(Topics.CHECKPOINTS)) {
                missing.add(new NewTopic(Topics.CHECKPOINTS, 1, (short) 1).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            if (!existing.contains(Topics.DLQ)) {
                missing.add(new NewTopic(Topics.DLQ, 1, (short) 1).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Duration.ofDays(30).toMillis()))));
            }
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the topics on the embedded broker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the topics", e);
        }
    }
}
