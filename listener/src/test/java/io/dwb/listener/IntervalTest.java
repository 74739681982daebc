package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class IntervalTest {
    @Test
    void readsWazuhSuffixesAndBareSeconds() {
        assertThat(Interval.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Interval.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Interval.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Interval.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Interval.parse("1w")).isEqualTo(Duration.ofDays(7));
        assertThat(Interval.parse("600")).isEqualTo(Duration.ofSeconds(600));
        assertThat(Interval.parse(" 5M ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Interval.parse("150ms")).isEqualTo(Duration.ofMillis(150));
    }

    @Test
    void rejectsWhatIsNotADurationNamingIt() {
        assertThatThrownBy(() -> Interval.parse("ten minutes")).hasMessageContaining("'ten minutes' is not a duration");
        assertThatThrownBy(() -> Interval.parse("5y")).hasMessageContaining("'5y'");
        assertThatThrownBy(() -> Interval.parse("-5s")).hasMessageContaining("'-5s'");
        assertThatThrownBy(() -> Interval.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Interval.parse("99999999999999999999s")).hasMessageContaining("too large");
    }
}
