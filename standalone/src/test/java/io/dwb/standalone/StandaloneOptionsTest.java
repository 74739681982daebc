package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.Launcher;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The listener's and the forwarder's options the standalone shares with them are checked as theirs are, before
 * anything starts: a bad value is a one-line usage error (exit 2) naming the option, and no engine is contacted.
 */
class StandaloneOptionsTest {
    @Test
    void badListenerAndForwarderValuesAreUsageErrorsBeforeAnythingStarts() {
        // an engine address nothing listens at: reaching the probe would exit 1, not 2
        Map<String, String> env = Map.of("DWB_DOCKER_HOST", "unix:///nonexistent/docker.sock");
        assertThat(run(env, "--eps", "-1")).startsWith("2:").contains("--eps");
        assertThat(run(env, "--legacy-fields", "sometimes")).startsWith("2:").contains("auto, always or never");
        assertThat(run(env, "--queue-capacity", "0")).startsWith("2:").contains("--queue-capacity");
        assertThat(run(env, "--attempts", "-1")).startsWith("2:").contains("--attempts");
        assertThat(run(env, "--retry-max-delay", "10ms")).startsWith("2:").contains("--retry-max-delay");
        assertThat(run(env, "--commit-interval", "soon")).startsWith("2:").contains("'soon'");
        assertThat(run(env, "--kafka-port", "70000")).startsWith("2:").contains("--kafka-port");
        assertThat(run(env, "--wazuh-queue", " ")).startsWith("2:").contains("--wazuh-queue");
        // Each its own rule: one line gave both, whichever was broken.
        assertThat(run(env, "--retention-bytes", "0")).startsWith("2:")
                .contains("--retention-bytes must be at least 1048576, not 0").doesNotContain("--kafka-port");
        // Taken, and applied to the topic of an earlier start too: Kafka deleted every event within minutes.
        assertThat(run(env, "--retention", "0")).startsWith("2:").contains("--retention must be above 0, not 0s");
        assertThat(run(env, "--metrics-port", "65536")).startsWith("2:").contains("--metrics-port");
        assertThat(run(env, "--continuity-wait", "0")).startsWith("2:").contains("--continuity-wait");
    }

    /** "exit code: standard error". */
    private static String run(Map<String, String> env, String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Launcher.execute("standalone", new StandaloneCommand(), args, env);
            return code + ": " + err.toString(StandardCharsets.UTF_8);
        } finally {
            System.setErr(saved);
        }
    }
}
