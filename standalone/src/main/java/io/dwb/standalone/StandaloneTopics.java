package io.dwb.standalone;

import io.dwb.schemas.Topics;
import io.dwb.runtime.Replication;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The three topics of the contract on the embedded broker, with bounds suited to one host's disk: events kept
 * {@code retention} and at most {@code maxBytes}; the checkpoint compacted; the dead letters 30 days. One partition
 * and one replica each: one engine, one ordered stream, one broker. The bounds are this start's: they apply to
 * topics an earlier start created too ({@link OwnTopicSettings}).
 */
final class StandaloneTopics {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private StandaloneTopics() {}

    static TopicPlan plan(Duration retention, long maxBytes) {
        return new TopicPlan(List.of(
                TopicSpec.events(Topics.EVENTS, 1, retention, maxBytes)
                        .withConfig(TopicConfig.SEGMENT_BYTES_CONFIG, String.valueOf(segmentBytes(maxBytes))),
                TopicSpec.checkpoints(Topics.CHECKPOINTS, 1),
                TopicSpec.deadLetters(Topics.DLQ, 1, Duration.ofDays(30))), Replication.single(), true);
    }

    /**
     * A quarter of {@code maxBytes} (deletion goes a segment at a time), at most 64 MiB, and at least the 1 MiB Kafka
     * takes: a {@code --retention-bytes} under 4 MiB made a segment Kafka refused, at a first start and (since the
     * options apply at each start) at a restart, exit 1 restarted for ever.
     */
    static long segmentBytes(long maxBytes) {
        return Math.max(1L << 20, Math.min(maxBytes / 4, 64L << 20));
    }

    static void ensure(Properties client, TopicPlan plan) {
        try (Admin admin = TopicProvisioner.admin(client, TIMEOUT)) {
            OwnTopicSettings.apply(admin, plan, TIMEOUT);
            new TopicProvisioner(admin, client.getProperty("bootstrap.servers"), TIMEOUT).ensure(plan);
        }
    }
}
