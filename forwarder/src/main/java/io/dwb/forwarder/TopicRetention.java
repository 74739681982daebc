package io.dwb.forwarder;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * A topic's retention as set when a replay starts: {@code retention.ms} and {@code retention.bytes}, -1 for none.
 * Time retention deletes a segment once its newest record's timestamp is older than {@code retention.ms} (at a check
 * every {@code log.retention.check.interval.ms}, whole segments): every record it has deleted by a time {@code now}
 * is dated before {@code now - retention.ms}, whatever kept the segment longer. So a window starting at or after that
 * horizon lost nothing to it. What this cannot tell: records deleted by size ({@code retention.bytes}), by an
 * administrator's DeleteRecords, or under a shorter {@code retention.ms} set earlier.
 */
record TopicRetention(long ms, long bytes) {
    /**
     * Room for the broker's clock ahead of this host's, whose {@code now} sets the horizon the broker deletes by:
     * Kafka 4's default {@code message.timestamp.after.max.ms}, the difference of clocks a broker takes of its
     * producers. Added to the horizon (a later one), never taken from it: a window starting less than this after the
     * horizon is taken as one retention may have cut.
     */
    static final Duration CLOCK_MARGIN = Duration.ofHours(1);

    /**
     * Whether retention as set deleted nothing dated at or after {@code fromMs} up to {@code nowMs} (this host's
     * wall clock): time retention alone ({@code retention.bytes} none), and {@code fromMs} at or after the horizon
     * {@code nowMs - retention.ms}, plus {@link #CLOCK_MARGIN}. False when time retention is off too
     * ({@code retention.ms} -1): whatever deleted records then (DeleteRecords, an earlier setting) says nothing of
     * their dates.
     */
    boolean deletedNothingFrom(long fromMs, long nowMs) {
        if (bytes >= 0 || ms < 0) {
            return false;
        }
        // Neither overflows: nowMs and ms are at least 0, fromMs (nanoseconds / 10^6) is far from Long.MIN_VALUE
        return fromMs - CLOCK_MARGIN.toMillis() >= nowMs - ms;
    }

    /** How the retention is read: {@link #admin} in a forwarder, the test's otherwise. */
    @FunctionalInterface
    interface Reader {
        /** How long the admin client's look-up may take: it only spares a warning. */
        Duration TIMEOUT = Duration.ofSeconds(10);

        /**
         * The retention of {@code topic}.
         *
         * @throws KafkaException when it cannot be read (no DescribeConfigs on the topic, no answer)
         */
        TopicRetention of(String topic);

        /**
         * DescribeConfigs of the topic, by an admin client of the forwarder's Kafka settings made for the look-up
         * ({@code client.id} suffixed) and closed after it.
         */
        static Reader admin(Properties kafka) {
            return topic -> {
                Admin admin = LookupAdmins.open(kafka, "-retention", TIMEOUT);
                try {
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                    return TopicRetention.of(admin.describeConfigs(List.of(resource)).values().get(resource)
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    throw new KafkaException(e.getCause().getMessage(), e.getCause());
                } catch (TimeoutException e) {
                    throw new KafkaException("no answer within " + TIMEOUT.toSeconds() + " s", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KafkaException("interrupted while reading the topic's retention", e);
                } finally {
                    admin.close(Duration.ZERO);
                }
            };
        }
    }

    /**
     * The retention a topic's settings give (the broker's default where the topic sets none).
     *
     * @throws KafkaException when either is not given or not a number
     */
    static TopicRetention of(Config config) {
        return new TopicRetention(setting(config, TopicConfig.RETENTION_MS_CONFIG),
                setting(config, TopicConfig.RETENTION_BYTES_CONFIG));
    }

    private static long setting(Config config, String key) {
        ConfigEntry entry = config.get(key);
        if (entry == null || entry.value() == null) {
            throw new KafkaException(key + " not given");
        }
        try {
            return Long.parseLong(entry.value().trim());
        } catch (NumberFormatException e) {
            throw new KafkaException(key + " is not a number: " + entry.value(), e);
        }
    }
}
