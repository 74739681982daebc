package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

/** Whether a topic's retention rules out that records of a window starting at {@code --from} were deleted. */
class TopicRetentionTest {
    private static final long NOW = 1_764_000_000_000L;
    private static final long WEEK = Duration.ofDays(7).toMillis();
    private static final long MARGIN = TopicRetention.CLOCK_MARGIN.toMillis();

    /** The horizon is moved later by the margin, never earlier: a window starting within it may have lost records. */
    @Test
    void onlyAWindowStartingAtLeastTheMarginAfterTheHorizonLostNothing() {
        TopicRetention week = new TopicRetention(WEEK, -1);
        long horizon = NOW - WEEK;

        assertThat(week.deletedNothingFrom(horizon + MARGIN, NOW)).isTrue();
        assertThat(week.deletedNothingFrom(NOW, NOW)).isTrue();
        assertThat(week.deletedNothingFrom(NOW + WEEK, NOW)).isTrue();
        assertThat(week.deletedNothingFrom(horizon + MARGIN - 1, NOW)).isFalse();
        assertThat(week.deletedNothingFrom(horizon, NOW)).isFalse();
        assertThat(week.deletedNothingFrom(horizon - MARGIN, NOW)).isFalse();
    }

    @Test
    void aSizeBoundOrNoTimeRetentionRulesNothingOut() {
        assertThat(new TopicRetention(WEEK, 0).deletedNothingFrom(NOW, NOW)).isFalse();
        assertThat(new TopicRetention(WEEK, 1L << 40).deletedNothingFrom(NOW, NOW)).isFalse();
        assertThat(new TopicRetention(-1, -1).deletedNothingFrom(NOW, NOW)).isFalse();
    }

    /** Extreme settings and times do not overflow into "nothing deleted". */
    @Test
    void extremeValuesDoNotOverflow() {
        TopicRetention forever = new TopicRetention(Long.MAX_VALUE, -1);
        assertThat(forever.deletedNothingFrom(NOW, NOW)).isTrue(); // a horizon before 1970: nothing was old enough
        assertThat(forever.deletedNothingFrom(Math.floorDiv(Long.MIN_VALUE, 1_000_000L), NOW)).isTrue();
        TopicRetention none = new TopicRetention(0, -1);
        assertThat(none.deletedNothingFrom(Math.floorDiv(Long.MAX_VALUE, 1_000_000L), NOW)).isTrue();
        assertThat(none.deletedNothingFrom(Math.floorDiv(Long.MIN_VALUE, 1_000_000L), NOW)).isFalse();
    }

    @Test
    void theSettingsAreReadFromTheTopicsConfigOrRefused() {
        assertThat(TopicRetention.of(new Config(List.of(new ConfigEntry("retention.ms", "604800000"),
                new ConfigEntry("retention.bytes", "-1"))))).isEqualTo(new TopicRetention(WEEK, -1));
        assertThatThrownBy(() -> TopicRetention.of(new Config(List.of(new ConfigEntry("retention.ms", "604800000")))))
                .isInstanceOf(KafkaException.class).hasMessage("retention.bytes not given");
        assertThatThrownBy(() -> TopicRetention.of(new Config(List.of(new ConfigEntry("retention.ms", "7d"),
                new ConfigEntry("retention.bytes", "-1"))))).isInstanceOf(KafkaException.class)
                .hasMessage("retention.ms is not a number: 7d");
    }
}
