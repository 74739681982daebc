package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.DurationArgument;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A duration option's help that names the suffixes names every one {@link DurationArgument} reads: {@code
 * --transaction-interval}'s said "ms, s, m, h" while d and w are read too.
 */
class DurationHelpTest {
    @Test
    void aDurationsHelpNamesEverySuffixItTakes() {
        assertThat(DurationArgument.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(DurationArgument.parse("1w")).isEqualTo(Duration.ofDays(7));
        List<OptionSpec> naming = new CommandLine(new ListenerCommand()).getCommandSpec().options().stream()
                .filter(o -> o.type() == Duration.class)
                .filter(o -> String.join(" ", o.description()).contains("Suffixes")).toList();
        assertThat(naming).as("the options whose help names the suffixes").isNotEmpty();
        assertThat(naming).allSatisfy(o -> assertThat(String.join(" ", o.description())).as(o.longestName())
                .contains("Suffixes ms, s, m, h, d, w"));
    }
}
