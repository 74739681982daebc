package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.OutOfMemoryExit;
import io.dwb.schemas.testing.JavaProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The forwarder runs without {@code -XX:+ExitOnOutOfMemoryError} (its delivery loop survives a poll of a record too
 * large to read: {@link HeaderBombTest}): an OutOfMemoryError no one catches on the loop's thread or the sending thread
 * still ends it with the flag's status, 3, with the launcher's flags; one on a library pool's worker, which its pool
 * replaces while the heap fills for a moment, does not.
 */
class OutOfMemoryExitTest {

    @Test
    void anOutOfMemoryErrorOfAVitalThreadExits3AndOneOfAPoolWorkerDoesNot() throws Exception {
        assertThat(JavaProcess.launcherFlags("forwarder")).doesNotContain("-XX:+ExitOnOutOfMemoryError");
        for (String thread : List.of("main", SendingThread.NAME, "pool-1-thread-1")) {
            try (JavaProcess process = JavaProcess.start(RunsOutOfMemory.class, JavaProcess.launcherFlags("forwarder"),
                    Map.of(), List.of(thread))) {
                int status = process.waitFor(Duration.ofSeconds(60));
                if (thread.startsWith("pool")) {
                    assertThat(status).as("exit status; output:%n%s", process.output()).isZero();
                    assertThat(process.output()).contains("went on").doesNotContain("Terminating due to");
                } else {
                    assertThat(status).as("exit status; output:%n%s", process.output())
                            .isEqualTo(OutOfMemoryExit.STATUS);
                    assertThat(process.output()).contains("Terminating due to java.lang.OutOfMemoryError")
                            .doesNotContain("went on");
                }
            }
        }
    }

    /** Runs out of heap on the thread named by its argument ("main": its own), as the forwarder's main installs. */
    static final class RunsOutOfMemory {
        public static void main(String[] args) throws Exception {
            OutOfMemoryExit.install(ForwarderCommand.VITAL_THREADS);
            Runnable exhaust = () -> {
                List<long[]> held = new ArrayList<>();
                while (true) {
                    held.add(new long[1 << 20]);
                }
            };
            if (args[0].equals("main")) {
                exhaust.run();
            } else {
                Thread t = new Thread(exhaust, args[0]);
                t.start();
                t.join();
            }
            System.out.println("went on");
        }
    }
}
