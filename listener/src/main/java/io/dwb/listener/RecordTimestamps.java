package io.dwb.listener;

import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The record timestamp policy of the events topic. A record's timestamp is its event's time in milliseconds when the
 * broker takes that time, else the listener's publish time. The broker refuses a CreateTime more than
 * {@code message.timestamp.after.max.ms} ahead of its clock (Kafka 4: 1 h) or more than
 * {@code message.timestamp.before.max.ms} behind it (default unbounded), and a refused record fails its whole
 * transaction, again at every retry: an engine clock an hour ahead would stop capture for good. The bounds are the
 * topic's, read at start, less {@link #MARGIN_MS}; the event keeps its own {@code time}/{@code timeNano} in its
 * value either way. The topic's retention bounds how far behind too ({@link #keptBehind}).
 */
public final class RecordTimestamps {
    /**
     * Room inside the broker's bounds for the difference between this host's clock and the broker's, and for the
     * time a record waits in the producer before the broker appends it.
     */
    static final long MARGIN_MS = 60_000;
    /** The least time an event stays on the topic after its publication (see {@link #keptBehind}). */
    static final long LEAST_STAY_MS = 3_600_000;
    /** Kafka 4's default {@code message.timestamp.after.max.ms}, used when the topic's cannot be read. */
    static final long KAFKA_DEFAULT_AFTER_MAX_MS = 3_600_000;

    private final long aheadMs;
    private final long behindMs;
    private final LongSupplier wallClockMillis;

    /**
     * @param afterMaxMs      the topic's {@code message.timestamp.after.max.ms}
     * @param beforeMaxMs     the topic's {@code message.timestamp.before.max.ms}
     * @param wallClockMillis the publish time (System::currentTimeMillis)
     */
    public RecordTimestamps(long afterMaxMs, long beforeMaxMs, LongSupplier wallClockMillis) {
        this.aheadMs = inside(afterMaxMs);
        this.behindMs = inside(beforeMaxMs);
        this.wallClockMillis = wallClockMillis;
    }

    /** Event time always: for a topic with LogAppendTime, where the broker neither checks nor keeps it. */
    public static RecordTimestamps eventTime() {
        return new RecordTimestamps(Long.MAX_VALUE, Long.MAX_VALUE, System::currentTimeMillis);
    }

    private static long inside(long bound) {
        if (bound == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return bound > 2 * MARGIN_MS ? bound - MARGIN_MS : bound / 2;
    }

    /** The record timestamp of a record whose own time is {@code timeNano}. */
    public long of(long timeNano) {
        long event = Math.floorDiv(timeNano, 1_000_000L);
        long now = wallClockMillis.getAsLong();
        // Compared as differences: an absurd event time must not overflow into "within bounds".
        long ahead = event - now;
        boolean tooFarAhead = event > now && (ahead < 0 || ahead > aheadMs);
        long behind = now - event;
        boolean tooFarBehind = event < now && (behind < 0 || behind > behindMs);
        // Before 1970: no record may carry it (the producer refuses a negative timestamp, which ended the listener,
        // again at each restart as the engine replayed the event), whatever the topic's bounds.
        return tooFarAhead || tooFarBehind || event < 0 ? now : event;
    }

    /** The bounds of a topic with these settings ({@link EventsTopic#read} reads them). */
    static RecordTimestamps of(Config config, LongSupplier wallClockMillis) {
        if ("LogAppendTime".equals(value(config, TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG))) {
            return eventTime();
        }
        // Never further ahead than Kafka 4's own bound, whatever the topic takes (Kafka 3's was unbounded, and a
        // cluster may keep it so): a record dated ahead keeps its segment from deletion by time until that time
        // (retention stops for the whole partition, Kafka deletes segments in order) and is where a look-up by time
        // (a new group, a replay) begins: a host's clock set a year ahead did both.
        return new RecordTimestamps(
                Math.min(bound(config, TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, KAFKA_DEFAULT_AFTER_MAX_MS),
                        KAFKA_DEFAULT_AFTER_MAX_MS),
                Math.min(bound(config, TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, Long.MAX_VALUE),
                        keptBehind(bound(config, TopicConfig.RETENTION_MS_CONFIG, -1))),
                wallClockMillis);
    }

    /**
     * How far behind the publish time an event's own time may be on a topic of this retention. The broker deletes
     * a record once its timestamp is older than the retention, at its next check (every 5 minutes by default): an
     * engine that replays events older than that (a quiet host whose listener was down longer) would have them
     * deleted before a forwarder read them. Such an event takes the publish time, and stays at least
     * {@link #LEAST_STAY_MS} (a forwarder paused for less still finds it); unbounded for a topic kept for ever.
     */
    static long keptBehind(long retentionMs) {
        if (retentionMs <= 0) {
            return Long.MAX_VALUE;
        }
        return retentionMs > 2 * LEAST_STAY_MS ? retentionMs - LEAST_STAY_MS : retentionMs / 2;
    }

    private static String value(Config config, String key) {
        ConfigEntry entry = config.get(key);
        return entry == null ? null : entry.value();
    }

    private static long bound(Config config, String key, long absent) {
        String value = value(config, key);
        try {
            return value == null ? absent : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return absent;
        }
    }
}
