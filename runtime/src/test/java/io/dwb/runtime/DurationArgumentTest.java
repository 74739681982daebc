package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationArgumentTest {
    @Test
    void readsWazuhSuffixesAndBareSeconds() {
        assertThat(DurationArgument.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(DurationArgument.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationArgument.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(DurationArgument.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(DurationArgument.parse("1w")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationArgument.parse("600")).isEqualTo(Duration.ofSeconds(600));
        assertThat(DurationArgument.parse(" 5M ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(DurationArgument.parse("150ms")).isEqualTo(Duration.ofMillis(150));
    }

    /** Messages say durations as the options take them: Java's PT1M is no option's value. */
    @Test
    void aDurationIsWrittenInItsLargestWholeUnit() {
        assertThat(DurationArgument.text(Duration.ofSeconds(60))).isEqualTo("1m");
        assertThat(DurationArgument.text(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(DurationArgument.text(Duration.ofHours(48))).isEqualTo("2d");
        assertThat(DurationArgument.text(Duration.ofDays(14))).isEqualTo("2w");
        assertThat(DurationArgument.text(Duration.ofMillis(900))).isEqualTo("900ms");
        assertThat(DurationArgument.text(Duration.ZERO)).isEqualTo("0s");
        assertThat(DurationArgument.parse(DurationArgument.text(Duration.ofMillis(61_500))))
                .isEqualTo(Duration.ofMillis(61_500));
        assertThat(DurationArgument.text(Duration.ofSeconds(Long.MAX_VALUE))).as("past milliseconds: no overflow")
                .isEqualTo(Long.MAX_VALUE + "s");
    }

    @Test
    void theOptionConverterTakesABareNumberAsSeconds() {
        assertThat(new DurationArgument.Converter().convert("5")).isEqualTo(Duration.ofSeconds(5));
        assertThat(new DurationArgument.Converter().convert("250ms")).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void rejectsWhatIsNotADurationNamingIt() {
        assertThatThrownBy(() -> DurationArgument.parse("ten minutes"))
                .hasMessageContaining("'ten minutes' is not a duration");
        assertThatThrownBy(() -> DurationArgument.parse("5y")).hasMessageContaining("'5y'");
        assertThatThrownBy(() -> DurationArgument.parse("-5s")).hasMessageContaining("'-5s'");
        assertThatThrownBy(() -> DurationArgument.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DurationArgument.parse("99999999999999999999s")).hasMessageContaining("too large");
        assertThatThrownBy(() -> DurationArgument.parse("9999999999999999999w")).hasMessageContaining("too large");
    }
}
