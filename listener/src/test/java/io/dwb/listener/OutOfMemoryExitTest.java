package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.OutOfMemoryExit;
import io.dwb.schemas.testing.JavaProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The listener runs without {@code -XX:+ExitOnOutOfMemoryError} (its checkpoint lookup survives a poll of a record
 * too large to read: {@link CheckpointHeaderBombTest}); every OutOfMemoryError no one catches still ends it with the
 * flag's status, 3, on the main thread as on any other, with the launcher's flags.
 */
class OutOfMemoryExitTest {

    @Test
    void anOutOfMemoryErrorOnAnyThreadExitsWithStatus3() throws Exception {
        assertThat(JavaProcess.launcherFlags("listener")).doesNotContain("-XX:+ExitOnOutOfMemoryError");
        for (String where : List.of("main", "thread")) {
            try (JavaProcess process = JavaProcess.start(OutOfMemoryMain.class, JavaProcess.launcherFlags("listener"),
                    Map.of(), List.of(where))) {
                assertThat(process.waitFor(Duration.ofSeconds(60))).as("exit status; output:%n%s", process.output())
                        .isEqualTo(OutOfMemoryExit.STATUS);
                assertThat(process.output()).contains("Terminating due to java.lang.OutOfMemoryError")
                        .doesNotContain("not reached");
            }
        }
    }

    /** Runs out of heap on the main thread, or on another the main thread waits for. */
    static final class OutOfMemoryMain {
        public static void main(String[] args) throws Exception {
            OutOfMemoryExit.install(Main.VITAL_THREADS);
            Runnable exhaust = () -> {
                List<long[]> held = new java.util.ArrayList<>();
                while (true) {
                    held.add(new long[1 << 20]);
                }
            };
            if (args[0].equals("main")) {
                exhaust.run();
            } else {
                Thread t = new Thread(exhaust, "exhaust");
                t.start();
                t.join(); // the handler halts the JVM on the dying thread, before it has ended
            }
            System.out.println("not reached");
        }
    }
}
