package io.dwb.standalone;

import io.dwb.schemas.Topics;
import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.Replication;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The three topics of the contract on the embedded broker, with bounds suited to one host's disk: events kept
 * {@code retention} and at most {@code maxBytes}; the checkpoint compacted; the dead letters 30 days. One partition
 * and one replica each: one engine, one ordered stream, one broker.
 */
final class StandaloneTopics {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private StandaloneTopics() {}

    static TopicPlan plan(Duration retention, long maxBytes) {
        return new TopicPlan(List.of(
                TopicSpec.events(Topics.EVENTS, 1, retention, maxBytes)
                        .withConfig(TopicConfig.SEGMENT_BYTES_CONFIG,
                                String.valueOf(Math.min(maxBytes / 4, 64L << 20))),
                TopicSpec.checkpoints(Topics.CHECKPOINTS, 1),
                TopicSpec.deadLetters(Topics.DLQ, 1, Duration.ofDays(30))), Replication.single(), true);
    }

    static void ensure(Properties client, TopicPlan plan) {
        try (Admin admin = TopicProvisioner.admin(client, TIMEOUT)) {
            boundDecompressedRecords(admin, plan);
            new TopicProvisioner(admin, client.getProperty("bootstrap.servers"), TIMEOUT).ensure(plan);
        }
    }

    /**
     * A data directory of an earlier version (Kafka 4.1) holds topics without {@code max.decompressed.message.bytes}:
     * the embedded broker is the standalone's own, so it sets the bound itself rather than warn at every start.
     */
    private static void boundDecompressedRecords(Admin admin, TopicPlan plan) {
        String setting = TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG;
        try {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<ConfigResource, Collection<AlterConfigOp>> bounds = new HashMap<>();
            for (TopicSpec spec : plan.topics()) {
                String bound = spec.configs().get(setting);
                if (bound != null && existing.contains(spec.name())) {
                    bounds.put(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()),
                            List.of(new AlterConfigOp(new ConfigEntry(setting, bound), AlterConfigOp.OpType.SET)));
                }
            }
            if (!bounds.isEmpty()) {
                admin.incrementalAlterConfigs(bounds).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnreachable("the embedded broker did not set " + setting + " on its topics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachable("interrupted while setting " + setting + " on the embedded broker's topics", e);
        }
    }
}
