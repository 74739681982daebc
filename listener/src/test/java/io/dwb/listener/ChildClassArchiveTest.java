package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The listeners the tests start map a class archive of the listener's class list (schemas' {@code ChildClassArchive}),
 * as users' processes do through the launcher: over a hundred starts, each about a third less CPU, in a run bound by
 * its two cores. A test of the build's own speed, so that a change of the class path, the class list or the JDK that
 * loses the archive fails here rather than only makes CI slower.
 */
@Execution(ExecutionMode.CONCURRENT) // reaches no engine and no broker
class ChildClassArchiveTest {
    @Test
    void aListenerStartedOnceTheArchiveIsWrittenLoadsItsClassesFromIt() {
        // The archive is written on a thread of its own at the JVM's tenth start; a listener started before runs
        // without it
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
            try (JavaProcess listener = JavaProcess.start(Main.class, List.of("-Xlog:class+load=info"), Map.of(),
                    List.of("--version"))) {
                assertThat(listener.waitFor(Duration.ofMinutes(1))).as(listener.output()).isZero();
                assertThat(listener.output()).contains("io.dwb.listener.Main source: shared objects file");
            }
        });
    }
}
