package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The record timestamp policy against a fixed publish clock. */
class RecordTimestampsTest {
    private static final long NOW_MS = 1_795_835_520_000L;
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private static long timestamp(long afterMax, long beforeMax, long eventMs) {
        return new RecordTimestamps(afterMax, beforeMax, () -> NOW_MS).of(eventMs * 1_000_000L + 123_456);
    }

    @Test
    void anEventWithinTheBoundsKeepsItsTimeInMilliseconds() {
        assertThat(timestamp(HOUR, Long.MAX_VALUE, NOW_MS - 5_000)).isEqualTo(NOW_MS - 5_000);
        assertThat(timestamp(HOUR, Long.MAX_VALUE, NOW_MS + 30 * 60_000)).isEqualTo(NOW_MS + 30 * 60_000);
        assertThat(timestamp(HOUR, Long.MAX_VALUE, NOW_MS - 24 * HOUR)).as("Kafka's default: unbounded behind")
                .isEqualTo(NOW_MS - 24 * HOUR);
    }

    @Test
    void anEventBeyondABoundLessTheMarginTakesThePublishTime() {
        assertThat(timestamp(HOUR, Long.MAX_VALUE, NOW_MS + 2 * HOUR)).isEqualTo(NOW_MS);
        assertThat(timestamp(HOUR, Long.MAX_VALUE, NOW_MS + HOUR - RecordTimestamps.MARGIN_MS / 2))
                .as("inside the bound but not inside the margin").isEqualTo(NOW_MS);
        assertThat(timestamp(HOUR, HOUR, NOW_MS - 24 * HOUR)).isEqualTo(NOW_MS);
        assertThat(timestamp(60_000, 60_000, NOW_MS + 40_000)).as("a bound under twice the margin: half of it")
                .isEqualTo(NOW_MS);
        assertThat(timestamp(60_000, 60_000, NOW_MS + 20_000)).isEqualTo(NOW_MS + 20_000);
    }

    @Test
    void absurdEventTimesDoNotOverflowIntoTheBounds() {
        RecordTimestamps t = new RecordTimestamps(HOUR, HOUR, () -> NOW_MS);
        assertThat(t.of(Long.MAX_VALUE)).isEqualTo(NOW_MS);
        assertThat(t.of(Long.MIN_VALUE)).isEqualTo(NOW_MS);
        assertThat(RecordTimestamps.eventTime().of(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE / 1_000_000L);
    }

    /**
     * An event dated before 1970 (an engine fault): no record may carry that, and the producer's refusal ended the
     * listener, again at every restart as the engine replayed it. Even where nothing bounds how far behind (a topic
     * kept for ever, Kafka's default before-bound; or LogAppendTime) it takes the publish time.
     */
    @Test
    void anEventBeforeNineteenSeventyTakesThePublishTimeWhateverTheBounds() {
        assertThat(new RecordTimestamps(HOUR, Long.MAX_VALUE, () -> NOW_MS).of(-1_000_000_000L)).isEqualTo(NOW_MS);
        assertThat(new RecordTimestamps(HOUR, Long.MAX_VALUE, () -> NOW_MS).of(Long.MIN_VALUE)).isEqualTo(NOW_MS);
        long now = System.currentTimeMillis();
        assertThat(RecordTimestamps.eventTime().of(-5L)).isBetween(now, now + 60_000);
        Long stamp = new RecordTimestamps(HOUR, Long.MAX_VALUE, () -> NOW_MS).of(-1_000_000_000L);
        assertThat(new org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]>("t", null, stamp, null, null)
                .timestamp())
                .as("a record takes it").isEqualTo(NOW_MS);
    }

    @Test
    void anEventOlderThanTheTopicsRetentionLessAnHourTakesThePublishTime() {
        Config week = new Config(List.of(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(7 * 24 * HOUR))));
        RecordTimestamps t = EventsTopic.read(null, Optional.of(week), "events", Duration.ofSeconds(1),
                () -> NOW_MS).timestamps();
        assertThat(t.of((NOW_MS - 6 * 24 * HOUR) * 1_000_000L)).as("kept a day more: its own time")
                .isEqualTo(NOW_MS - 6 * 24 * HOUR);
        assertThat(t.of((NOW_MS - 7 * 24 * HOUR + HOUR / 2) * 1_000_000L))
                .as("it would be deleted within the hour").isEqualTo(NOW_MS);
        assertThat(t.of((NOW_MS - 8 * 24 * HOUR) * 1_000_000L)).as("deleted at the next check").isEqualTo(NOW_MS);
        assertThat(RecordTimestamps.keptBehind(-1)).as("kept for ever").isEqualTo(Long.MAX_VALUE);
        assertThat(RecordTimestamps.keptBehind(HOUR)).as("a short retention: half of it").isEqualTo(HOUR / 2);
    }

    /** Settings the topics' check read are used as they are: no admin client is asked (here there is none). */
    @Test
    void settingsAlreadyReadAreTakenWithoutAskingTheBroker() {
        Config read = new Config(List.of(new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "1800000"),
                new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, String.valueOf(HOUR))));
        RecordTimestamps t = EventsTopic.read(null, Optional.of(read), "events", Duration.ofSeconds(1),
                () -> NOW_MS).timestamps();

        assertThat(t.of((NOW_MS + HOUR / 4) * 1_000_000L)).as("within the topic's 30 min ahead")
                .isEqualTo(NOW_MS + HOUR / 4);
        assertThat(t.of((NOW_MS + HOUR / 2) * 1_000_000L)).as("beyond them less the margin").isEqualTo(NOW_MS);
        assertThat(t.of((NOW_MS - 2 * HOUR) * 1_000_000L)).as("beyond its 1 h behind").isEqualTo(NOW_MS);
    }

    /**
     * A topic that takes records dated any time ahead (Kafka 3's default, which a cluster may keep): an engine clock
     * a year ahead dated its records so, and their segment was kept from deletion by time until then (retention
     * stopped for the whole partition) and a look-up by time (a new group, a replay) began there. Never more than
     * Kafka 4's hour ahead, whatever the topic takes.
     */
    @Test
    void noRecordIsDatedFurtherAheadThanKafkasOwnHourWhateverTheTopicTakes() {
        for (String afterMax : List.of(String.valueOf(Long.MAX_VALUE), String.valueOf(7 * 24 * HOUR))) {
            Config read = new Config(List.of(new ConfigEntry(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG,
                    afterMax)));
            RecordTimestamps t = EventsTopic.read(null, Optional.of(read), "events", Duration.ofSeconds(1),
                    () -> NOW_MS).timestamps();
            assertThat(t.of((NOW_MS + 365 * 24 * HOUR) * 1_000_000L)).as("a year ahead, %s", afterMax)
                    .isEqualTo(NOW_MS);
            assertThat(t.of((NOW_MS + 2 * HOUR) * 1_000_000L)).as("two hours ahead, %s", afterMax).isEqualTo(NOW_MS);
            assertThat(t.of((NOW_MS + HOUR / 2) * 1_000_000L)).as("within the hour, %s", afterMax)
                    .isEqualTo(NOW_MS + HOUR / 2);
        }
    }
}
