package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.CommittedRecords;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's class archive (issue 15: its start), as {@code bin/listener} makes and uses it, against the real
 * engine and a real broker: the first start writes the archive from {@code listener.classlist}, and the listener then
 * loads nearly every class from it up to its first events. That share falls when the class list goes stale (new
 * libraries, renamed classes), so this test is also the class list's check; with {@code DWB_WRITE_CLASS_LIST=1} it
 * writes the list again instead, from the same run: {@code DWB_WRITE_CLASS_LIST=1 bin/test -pl standalone -am
 * -Dtest=ListenerClassArchivePackagedTest -Dsurefire.failIfNoSpecifiedTests=false}. Runs from a copy of bin/ and the
 * jar, without sources, so the launcher never rebuilds during the test.
 */
@ExtendWith(SharedKafka.class)
class ListenerClassArchivePackagedTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path CLASS_LIST = ROOT.resolve("listener/src/main/jvm/listener.classlist");
    /** The share of the classes loaded from jars that must come from the archive instead. */
    private static final double FROM_ARCHIVE = 0.9;

    @TempDir
    Path tree;

    @Test
    void theFirstStartWritesTheArchiveAndTheListenerLoadsItsClassesFromIt(SharedKafka.Broker broker)
            throws Exception {
        Path listener = copyLauncherTree();
        boolean writeList = "1".equals(System.getenv("DWB_WRITE_CLASS_LIST"));
        Path loaded = tree.resolve(writeList ? "listener.classlist" : "class-load.log");
        String jvmLog = writeList ? "-XX:DumpLoadedClassList=" + loaded : "-Xlog:class+load=info:file=" + loaded;
        Path log = tree.resolve("listener.log");
        String topic = SharedKafka.Broker.uniqueTopic("archive");
        ProcessBuilder builder = new ProcessBuilder(listener.toString(), "--bootstrap-servers",
                broker.bootstrapServers(), "--topic", topic, "--host-name", topic, "--topic-partitions", "1",
                "--checkpoint-partitions", "1").redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST",
                "unix:///var/run/docker.sock"));
        builder.environment().put("JAVA_TOOL_OPTIONS", jvmLog);
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
                return Files.readString(log).contains("subscribed to GET /events");
            });
            // Its first events, committed: what a start loads up to its first record on the topic.
            String name = TestEngine.uniqueName("archive");
            try (TestEngine engine = new TestEngine()) {
                engine.startSleeper(name);
                await().atMost(Duration.ofSeconds(60)).until(() -> CommittedRecords.readAll(
                        broker.bootstrapServers(), topic).stream().anyMatch(r -> new String(r.value()).contains(name)));
                engine.removeQuietly(name);
            }
            process.destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        assertThat(Files.readString(log)).contains("writing its class archive").doesNotContain("could not write");
        assertThat(tree.resolve("listener/target/listener.jsa")).isNotEmptyFile();
        if (writeList) {
            List<String> lines = new ArrayList<>(Files.readAllLines(CLASS_LIST).stream()
                    .takeWhile(l -> l.startsWith("#")).toList());
            Files.readAllLines(loaded).stream().filter(l -> !l.startsWith("#")).forEach(lines::add);
            Files.write(CLASS_LIST, lines);
            return;
        }
        long fromArchive = 0;
        List<String> fromJars = new ArrayList<>();
        for (String line : Files.readAllLines(loaded)) {
            if (line.contains("source: shared objects file")) {
                fromArchive++;
            } else if (line.contains("source: jar:") || line.contains("source: jrt:")) {
                fromJars.add(line.replaceAll(".*\\] (\\S+) source:.*", "$1"));
            }
        }
        assertThat(fromArchive).as("classes mapped from the archive").isPositive();
        assertThat((double) fromArchive / (fromArchive + fromJars.size()))
                .as("share of the listener's classes from its archive; loaded from jars instead (the class list is "
                        + "stale: write it again, see this test's documentation): %s",
                        fromJars.subList(0, Math.min(20, fromJars.size())))
                .isGreaterThanOrEqualTo(FROM_ARCHIVE);

        // A second start maps the same archive: not written again.
        Process again = new ProcessBuilder(listener.toString(), "--version").redirectErrorStream(true).start();
        String output = new String(again.getInputStream().readAllBytes());
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(output).doesNotContain("writing its class archive").contains("listener ");
    }

    /**
     * tree/bin/listener, tree/bin/support/launch.sh, tree/listener/target/listener.jar, its JVM flags and class list,
     * and the malloc settings launch.sh exports (deploy/malloc.env).
     */
    private Path copyLauncherTree() throws Exception {
        Path bin = Files.createDirectories(tree.resolve("bin/support"));
        Files.copy(ROOT.resolve("bin/support/launch.sh"), bin.resolve("launch.sh"));
        Path listener = Files.copy(ROOT.resolve("bin/listener"), tree.resolve("bin/listener"));
        Files.setPosixFilePermissions(listener, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(ROOT.resolve("deploy/malloc.env"), Files.createDirectories(tree.resolve("deploy"))
                .resolve("malloc.env"));
        Path target = Files.createDirectories(tree.resolve("listener/target"));
        Path jar = ROOT.resolve("listener/target/listener.jar");
        assertThat(jar).as("build it: mvn -pl listener -am package -DskipTests").exists();
        Files.copy(jar, target.resolve("listener.jar"));
        Path jvm = Files.createDirectories(tree.resolve("listener/src/main/jvm"));
        Files.copy(ROOT.resolve("listener/src/main/jvm/jvm.options"), jvm.resolve("jvm.options"));
        Files.copy(CLASS_LIST, jvm.resolve("listener.classlist"));
        return listener;
    }
}
