package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/run} itself, with the packaged jar: it starts the standalone, and Ctrl-C (SIGINT) stops it with exit 0.
 * It runs from a copy of bin/ and the jar, without sources, so the launcher never rebuilds during the test.
 */
class BinRunPackagedTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path tree;

    /**
     * Into a real Wazuh queue socket, as the service, the wodle and the packages run it: the packaged jar had no Unix
     * socket library (a test-scoped copy in this module's POM won over the forwarder's), so every such start failed
     * with NoClassDefFoundError, restarted for ever, where tests on the classpath and {@code --wazuh-queue -} passed.
     */
    @Test
    void startsTheStandaloneDeliversToTheWazuhQueueAndCtrlCStopsItCleanly() throws Exception {
        Path run = copyLauncherTree();
        Path data = tree.resolve("data");
        Path log = tree.resolve("run.log");
        String volume = TestEngine.uniqueName("bin-run");
        try (DatagramReceiver queue = DatagramReceiver.bind(tree.resolve("queue"));
             TestEngine engine = new TestEngine()) {
            // SIGINT at its default disposition, as in a terminal: a test run started in the background by a
            // non-interactive shell inherits SIGINT ignored, and a JVM keeps an ignored SIGINT ignored.
            ProcessBuilder builder = new ProcessBuilder("env", "--default-signal=INT", run.toString(), "--data-dir",
                    data.toString(), "--kafka-port", "0", "--wazuh-queue", queue.path().toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().put("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST",
                    "unix:///var/run/docker.sock"));
            Process process = builder.start();
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
                    return Files.readString(log).contains("subscribed to GET /events");
                });
                assertThat(Files.readString(log)).doesNotContain("building");
                engine.client().createVolumeCmd().withName(volume).exec();
                engine.client().removeVolumeCmd(volume).exec();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
                    return queue.texts().stream().anyMatch(t -> t.startsWith("1:Wazuh-Docker:") && t.contains(volume));
                });

                // What Ctrl-C sends. env and bin/run exec, so the signal reaches the JVM itself.
                new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor();
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
                assertThat(process.exitValue()).as(Files.readString(log)).isZero();
                assertThat(Files.readString(log)).contains("committing what was read").contains("stopped");
                assertThat(data.resolve("kafka/meta.properties")).exists();
            } finally {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void withoutAnEngineOneLineAndExitOne() throws Exception {
        Path run = copyLauncherTree();
        ProcessBuilder builder = new ProcessBuilder(run.toString(), "--data-dir", tree.resolve("data").toString())
                .redirectErrorStream(true);
        builder.environment().put("DOCKER_HOST", "unix:///nonexistent/docker.sock");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output.strip().lines().toList()).singleElement().asString()
                .startsWith("error: ").contains("unix:///nonexistent/docker.sock").contains("DOCKER_HOST");
    }

    /**
     * tree/bin/run, tree/bin/support/launch.sh, tree/standalone/target/standalone.jar, its JVM flags and the malloc
     * settings launch.sh exports (deploy/malloc.env).
     */
    private Path copyLauncherTree() throws Exception {
        Path bin = Files.createDirectories(tree.resolve("bin/support"));
        Files.copy(ROOT.resolve("bin/support/launch.sh"), bin.resolve("launch.sh"));
        Path run = Files.copy(ROOT.resolve("bin/run"), tree.resolve("bin/run"));
        Files.copy(ROOT.resolve("deploy/malloc.env"), Files.createDirectories(tree.resolve("deploy"))
                .resolve("malloc.env"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path target = Files.createDirectories(tree.resolve("standalone/target"));
        Files.copy(Path.of("target/standalone.jar"), target.resolve("standalone.jar"));
        Path jvm = Files.createDirectories(tree.resolve("standalone/src/main/jvm"));
        Files.copy(Path.of("src/main/jvm/jvm.options"), jvm.resolve("jvm.options"));
        return run;
    }
}
