package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.Topics;
import io.dwb.schemas.testing.LogLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * --retention and --retention-bytes are the standalone's, at each start: a later start with other values changes the
 * events topic of the data directory the first start created (the audit's AuditRetentionSkewTest: they were kept at
 * the first start's for good, so a lowered --retention-bytes never made the data dir fit its disk).
 */
class StandaloneTopicsRetentionTest {
    @TempDir
    Path dataDir;
    @RegisterExtension
    final LogLines logged = LogLines.of("io.dwb.standalone");

    @Test
    void theRetentionOptionsOfEachStartApplyToTheExistingEventsTopic() {
        start(Duration.ofDays(7), 1L << 30);
        logged.clear();
        Map<String, String> after = start(Duration.ofDays(1), 100L << 20);
        assertThat(after).containsEntry(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Duration.ofDays(1)
                        .toMillis()))
                .containsEntry(TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(100L << 20))
                .containsEntry(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(25L << 20));
        assertThat(logged.messages(Level.INFO)).anySatisfy(line -> assertThat(line).contains(Topics.EVENTS)
                .contains("retention.bytes 1073741824 -> 104857600")
                .contains("retention.ms 604800000 -> 86400000")
                .contains("segment.bytes 67108864 -> 26214400"));
        logged.clear();
        start(Duration.ofDays(1), 100L << 20);
        assertThat(logged.messages(Level.INFO)).as("nothing changed, nothing said").noneMatch(l -> l.contains(" -> "));
        // The smallest --retention-bytes the options take: a quarter of it is below the segment Kafka takes.
        assertThat(start(Duration.ofDays(1), 1L << 20)).containsEntry(TopicConfig.SEGMENT_BYTES_CONFIG,
                String.valueOf(1L << 20));
    }

    private Map<String, String> start(Duration retention, long retentionBytes) {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, BrokerPorts.ClientPort.asked(0))) {
            StandaloneTopics.ensure(kafka.clientProperties(), StandaloneTopics.plan(retention, retentionBytes));
            try (Admin admin = Admin.create(kafka.clientProperties())) {
                ConfigResource events = new ConfigResource(ConfigResource.Type.TOPIC, Topics.EVENTS);
                Config config = admin.describeConfigs(List.of(events)).all().get().get(events);
                return Map.of(TopicConfig.RETENTION_MS_CONFIG, config.get(TopicConfig.RETENTION_MS_CONFIG).value(),
                        TopicConfig.RETENTION_BYTES_CONFIG, config.get(TopicConfig.RETENTION_BYTES_CONFIG).value(),
                        TopicConfig.SEGMENT_BYTES_CONFIG, config.get(TopicConfig.SEGMENT_BYTES_CONFIG).value());
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
