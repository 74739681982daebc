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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class archives of the listener and the standalone (issue 15: their start), as {@code bin/listener} and
 * {@code bin/run} make and use them, against the real engine and a real broker: the first start writes the archive
 * from the module's class list ({@code <module>/src/main/jvm/<module>.classlist}), and the process then loads nearly
 * every class from it up to its first events; so does a restart, which resumes from its checkpoint (the wodle and
 * every upgrade restart the process; its checkpoint read loads classes a first start does not). That share falls when
 * a class list goes stale (new libraries, renamed classes), so this test is also the class lists' check; with
 * {@code DWB_WRITE_CLASS_LIST=1} it writes them again instead, from the same runs (the union of both):
 * {@code DWB_WRITE_CLASS_LIST=1 bin/test -pl standalone -am
 * -Dtest=ClassArchivePackagedTest -Dsurefire.failIfNoSpecifiedTests=false}. Runs from a copy of bin/ and the jars,
 * without sources, so the launchers never rebuild during the test.
 */
@ExtendWith(SharedKafka.class)
class ClassArchivePackagedTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** The share of the classes loaded from jars and the runtime's modules that must come from the archive. */
    private static final double FROM_ARCHIVE = 0.9;
    private static final boolean WRITE_LIST = "1".equals(System.getenv("DWB_WRITE_CLASS_LIST"));

    @TempDir
    Path tree;

    @Test
    void theListenersFirstStartWritesItsArchiveAndItAndARestartLoadTheirClassesFromIt(SharedKafka.Broker broker)
            throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("archive");
        Path launcher = copyLauncherTree("listener", "listener");
        String name = TestEngine.uniqueName("archive");
        startAndRestart("listener", List.of(launcher.toString(), "--bootstrap-servers", broker.bootstrapServers(),
                "--topic", topic, "--host-name", topic, "--topic-partitions", "1", "--checkpoint-partitions", "1"),
                name, container -> () -> CommittedRecords.readAll(broker.bootstrapServers(), topic).stream()
                        .anyMatch(r -> new String(r.value()).contains(container)));
    }

    /** The standalone, as bin/run and the wodle run it: its embedded broker, the listener and the forwarder. */
    @Test
    void theStandalonesFirstStartWritesItsArchiveAndItAndARestartLoadTheirClassesFromIt() throws Exception {
        Path launcher = copyLauncherTree("standalone", "run");
        String name = TestEngine.uniqueName("archive");
        Path log = tree.resolve("standalone.log");
        startAndRestart("standalone", List.of(launcher.toString(), "--data-dir", tree.resolve("data").toString(),
                "--kafka-port", "0", "--wazuh-queue", "-"), name, container -> () -> contains(log, container));
    }

    /**
     * A first start, then a restart of the same command, each until a container's event has gone through (the
     * container's name given to {@code through}); checks the archive after each, or writes the class list from both.
     */
    private void startAndRestart(String module, List<String> command, String container,
                                 Function<String, BooleanSupplier> through) throws Exception {
        Path first = startAndStop(module, command, container, through.apply(container), true);
        Path restart = startAndStop(module, command, container + "-again", through.apply(container + "-again"), false);
        if (WRITE_LIST) {
            Path classList = ROOT.resolve(module + "/src/main/jvm/" + module + ".classlist");
            Set<String> lines = new LinkedHashSet<>(Files.readAllLines(classList).stream()
                    .takeWhile(l -> l.startsWith("#")).toList());
            for (Path list : List.of(first, restart)) {
                Files.readAllLines(list).stream().filter(l -> !l.startsWith("#")).forEach(lines::add);
            }
            Files.write(classList, lines);
        }
    }

    /**
     * Runs the launcher with the JVM logging where each class came from (or, with DWB_WRITE_CLASS_LIST, writing the
     * class list), until a container's event has gone through; then checks the archive. Returns the class list
     * written, or the class-load log.
     */
    private Path startAndStop(String module, List<String> command, String container, BooleanSupplier through,
                              boolean firstStart) throws Exception {
        String run = firstStart ? "first" : "restart";
        Path loaded = tree.resolve(module + "-" + run + (WRITE_LIST ? ".classlist" : "-class-load.log"));
        Path log = tree.resolve(module + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST",
                "unix:///var/run/docker.sock"));
        builder.environment().put("JAVA_TOOL_OPTIONS", WRITE_LIST ? "-XX:DumpLoadedClassList=" + loaded
                : "-Xlog:class+load=info:file=" + loaded);
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                assertThat(process.isAlive()).as(Files.readString(log)).isTrue();
                return Files.readString(log).contains("subscribed to GET /events");
            });
            // Its first events through: what a start loads up to its first record on the topic, or alert.
            try (TestEngine engine = new TestEngine()) {
                engine.startSleeper(container);
                await().atMost(Duration.ofSeconds(60)).until(through::getAsBoolean);
                engine.removeQuietly(container);
            }
            process.destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        if (firstStart) {
            assertThat(output).contains("writing its class archive").doesNotContain("could not write");
        } else {
            assertThat(output).as("a restart maps the archive the first start wrote")
                    .doesNotContain("writing its class archive").contains("resuming from checkpoint");
        }
        assertThat(checkout().resolve(module + "/target/" + module + ".jsa")).isNotEmptyFile();
        Path classList = ROOT.resolve(module + "/src/main/jvm/" + module + ".classlist");
        if (WRITE_LIST) {
            return loaded;
        }
        long fromArchive = 0;
        List<String> fromFiles = new ArrayList<>();
        for (String line : Files.readAllLines(loaded)) {
            if (line.contains("source: shared objects file")) {
                fromArchive++;
            } else if (line.contains("source: jar:") || line.contains("source: jrt:")) {
                fromFiles.add(line.replaceAll(".*\\] (\\S+) source:.*", "$1"));
            }
        }
        assertThat(fromArchive).as("classes of the %s mapped from its archive", module).isPositive();
        assertThat((double) fromArchive / (fromArchive + fromFiles.size()))
                .as("share of the %s's classes from its archive at its %s; loaded from files instead (%s is stale: "
                        + "write it again, see this test's documentation): %s", module, run, classList.getFileName(),
                        fromFiles.subList(0, Math.min(20, fromFiles.size())))
                .isGreaterThanOrEqualTo(FROM_ARCHIVE);
        if (!firstStart) {
            return loaded;
        }

        // A second start maps the same archive: not written again.
        Process again = new ProcessBuilder(command.get(0), "--version").redirectErrorStream(true).start();
        String version = new String(again.getInputStream().readAllBytes());
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(version).doesNotContain("writing its class archive").contains(module + " ");
        return loaded;
    }

    /**
     * Where the copy of bin/ and the jars is: a directory whose name has a space, as a checkout's may (the archive's
     * flag was split there, and the launchers failed at each start once the archive existed).
     */
    private Path checkout() {
        return tree.resolve("a checkout");
    }

    private static boolean contains(Path file, String text) {
        try {
            return Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * tree/bin/{@code launcher}, tree/bin/support/launch.sh, tree/{@code module}/target/{@code module}.jar, its JVM
     * flags and class list, and the malloc settings launch.sh exports (deploy/malloc.env).
     */
    private Path copyLauncherTree(String module, String launcher) throws Exception {
        Path checkout = checkout();
        Path bin = Files.createDirectories(checkout.resolve("bin/support"));
        Files.copy(ROOT.resolve("bin/support/launch.sh"), bin.resolve("launch.sh"));
        Path script = Files.copy(ROOT.resolve("bin/" + launcher), checkout.resolve("bin/" + launcher));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.copy(ROOT.resolve("deploy/malloc.env"), Files.createDirectories(checkout.resolve("deploy"))
                .resolve("malloc.env"));
        Path target = Files.createDirectories(checkout.resolve(module + "/target"));
        Path jar = ROOT.resolve(module + "/target/" + module + ".jar");
        assertThat(jar).as("build it: mvn -pl %s -am package -DskipTests", module).exists();
        Files.copy(jar, target.resolve(module + ".jar"));
        Path jvm = Files.createDirectories(checkout.resolve(module + "/src/main/jvm"));
        Files.copy(ROOT.resolve(module + "/src/main/jvm/jvm.options"), jvm.resolve("jvm.options"));
        Files.copy(ROOT.resolve(module + "/src/main/jvm/" + module + ".classlist"),
                jvm.resolve(module + ".classlist"));
        return script;
    }
}
