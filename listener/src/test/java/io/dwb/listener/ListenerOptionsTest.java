package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.Launcher;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.LogLines;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * Values that cannot work are refused at the start, exit 2 (which the systemd units do not restart), each in one line
 * naming its option. Before, they were taken: {@code --retention 0} made the events topic so (Kafka deleted every
 * event within minutes), {@code --continuity-wait 0} reported a false gap at every restart, {@code --kafka-timeout 0}
 * and a topic name Kafka refuses failed every start after it began, exit 1 (restarted every 10 s for ever), the
 * latter blaming Kafka, and a metrics port out of range failed at its bind, exit 1.
 */
class ListenerOptionsTest {
    @RegisterExtension
    final LogLines logged = LogLines.of(TopicSpec.class);

    private static ListenerCommand parsed(String... args) {
        ListenerCommand command = new ListenerCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void anEventsRetentionOfZeroIsRefusedAndOneUnderAnHourSaid() {
        assertThatThrownBy(parsed("--retention", "0")::settings).isInstanceOf(ConfigurationError.class)
                .hasMessage("--retention must be above 0, not 0s: Kafka would delete every record within minutes, "
                        + "what no forwarder has delivered yet included");
        // Taken (a deployment that set one would not start after an upgrade), and said.
        assertThat(parsed("--retention", "59m").settings().topics().spec(TopicRole.EVENTS).configs())
                .containsEntry("retention.ms", "3540000");
        assertThat(logged.messages(Level.WARN)).singleElement().asString().startsWith("--retention 59m is under 1h: "
                + "a topic made with it (when missing) deletes what is older");
        assertThat(parsed("--retention", "1h").settings().topics().spec(TopicRole.EVENTS).configs())
                .containsEntry("retention.ms", "3600000");
        assertThat(logged.messages(Level.WARN)).hasSize(1);
    }

    @Test
    void aContinuityWaitOrKafkaTimeoutOfZeroIsRefused() {
        assertThatThrownBy(parsed("--continuity-wait", "0")::settings).isInstanceOf(ConfigurationError.class)
                .hasMessage("--continuity-wait must be above 0");
        assertThatThrownBy(parsed("--kafka-timeout", "0ms")::settings).isInstanceOf(ConfigurationError.class)
                .hasMessage("--kafka-timeout must be above 0");
        try (LogLines options = LogLines.of(CaptureOptions.class).attach()) {
            parsed("--continuity-wait", "20ms", "--kafka-timeout", "500ms").settings();
            assertThat(options.messages(Level.WARN)).as("taken, and said").hasSize(2)
                    .anySatisfy(m -> assertThat(m).startsWith("--continuity-wait 20ms is under 1s"))
                    .anySatisfy(m -> assertThat(m).startsWith("--kafka-timeout 500ms is under 1s"));
        }
    }

    @Test
    void aTopicNameKafkaRefusesIsRefusedNamingTheOption() {
        assertThatThrownBy(parsed("--topic", "docker events")::settings).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--topic 'docker events' is not a Kafka topic name: ");
        assertThatThrownBy(parsed("--checkpoint-topic", "")::settings).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--checkpoint-topic '' is not a Kafka topic name: ");
    }

    @Test
    void eachIntervalRuleNamesItsOwnOption() {
        assertThatThrownBy(parsed("--heartbeat-interval", "900ms")::settings)
                .hasMessage("--heartbeat-interval must be at least 1s, not 900ms");
        assertThatThrownBy(parsed("--transaction-interval", "0")::settings)
                .hasMessage("--transaction-interval must be above 0");
        assertThatThrownBy(parsed("--heartbeat-interval", "2d")::settings)
                .hasMessage("--heartbeat-interval must be at most 1d, not 2d");
    }

    @Test
    void theCommandExitsTwoOnThemBeforeReachingAnything() {
        for (String[] args : new String[][] {{"--retention", "0"}, {"--continuity-wait", "0"},
            {"--kafka-timeout", "0"}, {"--topic", "bad topic"}, {"--metrics-port", "70000"}}) {
            assertThat(Launcher.execute("listener", new ListenerCommand(), args, Map.of()))
                    .as(String.join(" ", args)).isEqualTo(Launcher.EXIT_USAGE);
        }
    }
}
