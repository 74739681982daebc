package io.dwb.standalone;

import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the existing topics of the embedded broker carry the settings the standalone decides, at each start: the
 * broker is the standalone's own, so its options (and a newer version's bounds) apply to the data directory an
 * earlier start created, rather than only to topics it creates. Without it, a lowered {@code --retention-bytes}
 * never made the data directory fit its disk, and a raised {@code --retention} never kept alerts longer.
 */
final class OwnTopicSettings {
    private static final Logger log = LoggerFactory.getLogger(OwnTopicSettings.class);
    /**
     * The settings that follow the options at each start. {@code max.decompressed.message.bytes}, on every topic: a
     * data directory of Kafka 4.1 holds topics without it. On the events topic only, what the options set: {@code
     * --retention}, {@code --retention-bytes}, and the segment size derived from them (deletion goes a segment at a
     * time); the other topics' retention is left as an operator may have set it.
     */
    static final Set<String> FOLLOWED = Set.of(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG);
    static final Set<String> FOLLOWED_BY_EVENTS = Set.of(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
            TopicConfig.RETENTION_MS_CONFIG, TopicConfig.RETENTION_BYTES_CONFIG, TopicConfig.SEGMENT_BYTES_CONFIG);

    private OwnTopicSettings() {}

    /** Sets the {@link #FOLLOWED} settings of the plan's existing topics that differ, one INFO line per topic. */
    static void apply(Admin admin, TopicPlan plan, Duration timeout) {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<ConfigResource, TopicSpec> specs = new HashMap<>();
            for (TopicSpec spec : plan.topics()) {
                if (existing.contains(spec.name())) {
                    specs.put(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()), spec);
                }
            }
            if (specs.isEmpty()) {
                return;
            }
            Map<ConfigResource, Config> current = admin.describeConfigs(specs.keySet()).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
            Map<ConfigResource, List<String>> said = new HashMap<>();
            specs.forEach((topic, spec) -> {
                for (Map.Entry<String, String> setting : spec.configs().entrySet()) {
                    if (!(spec.role() == TopicRole.EVENTS ? FOLLOWED_BY_EVENTS : FOLLOWED).contains(setting.getKey())) {
                        continue;
                    }
                    ConfigEntry now = current.get(topic).get(setting.getKey());
                    String old = now == null ? null : now.value();
                    if (!setting.getValue().equals(old)) {
                        changes.computeIfAbsent(topic, t -> new ArrayList<>()).add(new AlterConfigOp(
                                new ConfigEntry(setting.getKey(), setting.getValue()), AlterConfigOp.OpType.SET));
                        said.computeIfAbsent(topic, t -> new ArrayList<>()).add(setting.getKey() + " "
                                + (old == null ? "unset" : old) + " -> " + setting.getValue());
                    }
                }
            });
            if (changes.isEmpty()) {
                return;
            }
            admin.incrementalAlterConfigs(changes).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            said.forEach((topic, lines) -> log.info("topic {}: {} (this start's options)", topic.name(),
                    String.join(", ", lines)));
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnreachable("the embedded broker did not take the settings of its topics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachable("interrupted while setting the embedded broker's topics", e);
        }
    }
}
