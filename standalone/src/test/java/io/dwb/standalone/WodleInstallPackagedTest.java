package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code standalone/wodle/install} against a scratch WAZUH_HOME (and data, log and logrotate directories): the
 * launcher wm_docker runs is in place, the seed's one is kept, and the launcher really starts the packaged jar with
 * the wodle's data dir and queue. Root runs the launcher, so neither the installer nor the launcher may write
 * through, or run, what another user could have put there.
 */
class WodleInstallPackagedTest {
    private static final Path JAR = Path.of("target", "standalone.jar").toAbsolutePath();
    private static final Path INSTALL = Path.of("wodle", "install").toAbsolutePath();
    /** The install of the tests that are not about the class archive, whose writing takes ~12 s of CPU. */
    private static final List<String> INSTALL_NO_ARCHIVE = List.of(INSTALL.toString(), "--jar", JAR.toString(),
            "--no-class-archive");

    @TempDir
    Path wazuhHome;
    @TempDir
    Path system;

    @Test
    void installsTheLauncherKeepsTheSeedsAndUninstallPutsItBack() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/usr/bin/env python3\n# the seed's DockerListener\n");
        Files.createDirectories(system.resolve("logrotate.d"));

        Result install = run(INSTALL_NO_ARCHIVE, Map.of());
        assertThat(install.code()).as(install.output()).isZero();
        assertThat(install.output()).contains("installed " + launcher);

        assertThat(Files.isExecutable(launcher)).isTrue();
        assertThat(Files.readString(launcher)).contains("docker-wazuh-bridge")
                .contains("--data-dir '" + dataDir() + "'")
                .contains("--wazuh-queue \"$WAZUH_HOME/queue/sockets/queue\"");
        assertThat(Files.readString(launcher.resolveSibling("DockerListener.orig"))).contains("the seed's");
        assertThat(launcher.resolveSibling("docker-wazuh-bridge.jar")).hasSameBinaryContentAs(JAR);
        assertThat(wazuhHome.resolve("etc/docker-wazuh-bridge.conf")).exists();
        assertThat(install.output()).contains("wrote no class archive");
        assertThat(launcher.resolveSibling("docker-wazuh-bridge.jsa")).as("--no-class-archive").doesNotExist();
        assertThat(Files.getPosixFilePermissions(dataDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(logDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.readString(system.resolve("logrotate.d/docker-wazuh-bridge")))
                .contains(logDir().resolve("docker-wazuh-bridge.log") + " {").contains("copytruncate");

        // A second install (an upgrade) keeps the seed's launcher as it was, not our own.
        assertThat(run(INSTALL_NO_ARCHIVE, Map.of()).code()).isZero();
        assertThat(Files.readString(launcher.resolveSibling("DockerListener.orig"))).contains("the seed's");

        Result uninstall = run(List.of(INSTALL.toString(), "--uninstall"), Map.of());
        assertThat(uninstall.code()).as(uninstall.output()).isZero();
        assertThat(Files.readString(launcher)).contains("the seed's");
        assertThat(launcher.resolveSibling("docker-wazuh-bridge.jar")).doesNotExist();
    }

    @Test
    void theLauncherGivesJavaTheFlagsOfTheStandalonesJvmOptionsFile() throws Exception {
        // A java that prints its arguments, then the malloc settings it was given: they land in the bridge's log.
        Path java = wazuhHome.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\nenv | grep '^MALLOC_' | sort\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of("JAVA", java.toString()));
        assertThat(install.code()).as(install.output()).isZero();
        Path options = launcher.resolveSibling("docker-wazuh-bridge.jvm.options");
        assertThat(options).hasSameTextualContentAs(Path.of("src/main/jvm/jvm.options").toAbsolutePath());

        Result started = run(List.of(launcher.toString()), Map.of());
        assertThat(started.code()).as(started.output()).isZero();
        // No class archive here (this java writes none): the JVM starts without one, and is not given one (a java
        // newer than 17 logs an error at each start given an archive that is not there).
        assertThat(install.output()).contains("could not write the class archive");
        assertThat(Files.readAllLines(logDir().resolve("docker-wazuh-bridge.log")))
                .startsWith("@" + options, "-jar", launcher.resolveSibling("docker-wazuh-bridge.jar").toString())
                .containsAll(JavaProcess.launcherEnv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
    }

    @Test
    void theInstalledLauncherRunsThePackagedJar() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        assertThat(run(INSTALL_NO_ARCHIVE, Map.of()).code()).isZero();

        Result help = run(List.of(launcher.toString(), "--help"), Map.of());
        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: standalone").contains("--data-dir").contains("--wazuh-queue");

        // What wm_docker sees when the engine is missing: exit 1 (it waits <interval>, then tries again), and
        // one line in the bridge's log saying where it looked.
        Result noEngine = run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
        assertThat(noEngine.code()).as(noEngine.output()).isEqualTo(1);
        // The start's INFO lines (the --eps choice), then the one error line.
        List<String> log = Files.readAllLines(logDir().resolve("docker-wazuh-bridge.log"));
        assertThat(log).filteredOn(line -> !line.contains(" INFO ")).singleElement().asString().startsWith("error: ")
                .contains("unix:///nonexistent/docker.sock").contains("--docker-host");
    }

    @Test
    void theInstallWritesAClassArchiveTheLauncherMapsAndUninstallRemovesIt() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of());
        assertThat(install.code()).as(install.output()).isZero();
        Path archive = launcher.resolveSibling("docker-wazuh-bridge.jsa");
        assertThat(archive).isNotEmptyFile();
        assertThat(Files.getPosixFilePermissions(archive)).isEqualTo(PosixFilePermissions.fromString("r--r--r--"));

        // Started as wm_docker starts it (no engine here): the standalone's classes come from the archive.
        Result started = run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock",
                "JAVA_TOOL_OPTIONS", "-Xlog:class+load=info"));
        assertThat(started.code()).as(started.output()).isEqualTo(1);
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("io.dwb.standalone.Main source: shared objects file");

        assertThat(run(List.of(INSTALL.toString(), "--uninstall"), Map.of()).code()).isZero();
        assertThat(archive).doesNotExist();
    }

    @Test
    void theLauncherRotatesALogBeyondTenMebibytesAtStart() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        assertThat(run(INSTALL_NO_ARCHIVE, Map.of()).code()).isZero();
        Path log = logDir().resolve("docker-wazuh-bridge.log");
        Files.write(log, new byte[11 << 20]);
        Files.writeString(logDir().resolve("docker-wazuh-bridge.log.1"), "the previous rotation\n");

        assertThat(run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")).code())
                .isEqualTo(1);
        assertThat(Files.size(logDir().resolve("docker-wazuh-bridge.log.1"))).isEqualTo(11 << 20);
        assertThat(logDir().resolve("docker-wazuh-bridge.log.2")).hasContent("the previous rotation");
        assertThat(Files.readAllLines(log)).filteredOn(line -> !line.contains(" INFO ")).singleElement().asString()
                .startsWith("error: ");
    }

    @Test
    void withoutABuiltJarItSaysHowToBuildOneAndRunsNoMaven() throws Exception {
        Result install = run(List.of(INSTALL.toString(), "--jar", system.resolve("missing.jar").toString()), Map.of());
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.output()).contains("build it first").contains("mvn -pl standalone").doesNotContain("building");
        assertThat(wazuhHome.resolve("wodles")).doesNotExist();
    }

    @Test
    void linksPlantedWhereTheWazuhUserWritesAreNeverWrittenThrough() throws Exception {
        Path victim = Files.writeString(system.resolve("shadow"), "root:secret\n");
        Path conf = wazuhHome.resolve("etc/docker-wazuh-bridge.conf");
        Files.createDirectories(conf.getParent());
        Files.createSymbolicLink(conf, victim);

        Result install = run(INSTALL_NO_ARCHIVE, Map.of());
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.output()).contains(conf + " is a symbolic link");
        assertThat(victim).hasContent("root:secret");

        // The jar: a link there is refused too, before anything is copied through it.
        Files.delete(conf);
        Path jar = wazuhHome.resolve("wodles/docker/docker-wazuh-bridge.jar");
        Files.createDirectories(jar.getParent());
        Files.createSymbolicLink(jar, victim);
        assertThat(run(INSTALL_NO_ARCHIVE, Map.of()).code()).isEqualTo(1);
        assertThat(victim).hasContent("root:secret");

        // A jar to install that is a link (to a secret the wazuh group would then read) is refused.
        Files.delete(jar);
        Path linkedJar = Files.createSymbolicLink(system.resolve("standalone.jar"), victim);
        Result leaked = run(List.of(INSTALL.toString(), "--jar", linkedJar.toString()), Map.of());
        assertThat(leaked.code()).isEqualTo(1);
        assertThat(jar).doesNotExist();

        // The old log place, under WAZUH_HOME/logs (the wazuh user's), is no longer written at all.
        Path oldLog = wazuhHome.resolve("logs/docker-wazuh-bridge.log");
        Files.createDirectories(oldLog.getParent());
        Files.createSymbolicLink(oldLog, victim);
        assertThat(run(INSTALL_NO_ARCHIVE, Map.of()).code()).isZero();
        assertThat(run(List.of(wazuhHome.resolve("wodles/docker/DockerListener").toString()),
                Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")).code()).isEqualTo(1);
        assertThat(victim).hasContent("root:secret");
    }

    @Test
    void aLinkSwappedInForTheNewOptionsFileIsNeverWrittenThrough() throws Exception {
        // The wazuh user may write WAZUH_HOME/etc: between the installer's choice of a new file's name and its write,
        // they can put a link there. A mktemp that does it at once stands in for the race, won every time.
        Path victim = Files.writeString(system.resolve("shadow"), "root:secret\n");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
        Path bin = Files.createDirectories(system.resolve("attacker-bin"));
        Path mktemp = bin.resolve("mktemp");
        Files.writeString(mktemp, "#!/bin/sh\nname=$(/usr/bin/mktemp \"$@\") || exit 1\n"
                + "case \"$name\" in */etc/.dwb-install.*) rm -f \"$name\"; ln -s \"$VICTIM\" \"$name\" ;; esac\n"
                + "echo \"$name\"\n");
        Files.setPosixFilePermissions(mktemp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result install = run(INSTALL_NO_ARCHIVE,
                Map.of("PATH", bin + ":" + System.getenv("PATH"), "VICTIM", victim.toString()));
        assertThat(install.code()).as(install.output()).isEqualTo(1);
        assertThat(victim).hasContent("root:secret");
        assertThat(Files.getPosixFilePermissions(victim)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void javaReadsTheOptionsFileTheLauncherCheckedNotOneRenamedOverItSince() throws Exception {
        // A java that, as the wazuh user may do once the launcher has checked the file, renames its own options over
        // it, then prints what it reads from the options file it was given.
        Path java = wazuhHome.resolve("java");
        Files.writeString(java, "#!/bin/sh\n"
                + "printf 'docker-host=unix:///tmp/forged.sock\\n' >\"$WAZUH_HOME/etc/forged\"\n"
                + "mv -f \"$WAZUH_HOME/etc/forged\" \"$WAZUH_HOME/etc/docker-wazuh-bridge.conf\"\n"
                + "while [ $# -gt 0 ]; do if [ \"$1\" = --config ]; then cat \"$2\"; fi; shift; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of("JAVA", java.toString()));
        assertThat(install.code()).as(install.output()).isZero();
        Result started = run(List.of(wazuhHome.resolve("wodles/docker/DockerListener").toString()), Map.of());
        assertThat(started.code()).as(started.output()).isZero();
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("# docker-wazuh-bridge options for the docker-listener wodle").doesNotContain("forged");

        // Nor does root open what is not a regular file: a link to a FIFO would hang it, to a device could start it.
        Path conf = wazuhHome.resolve("etc/docker-wazuh-bridge.conf");
        Path fifo = system.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.delete(conf);
        Files.createSymbolicLink(conf, fifo);
        Result refused = run(List.of(wazuhHome.resolve("wodles/docker/DockerListener").toString()), Map.of());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("error: " + conf + " is not a regular file root can read: refusing to run");
    }

    @Test
    void anOptionsFileThatIsOrBecomesAFifoOrALinkNeverHoldsTheRootLauncher() throws Exception {
        // wm_docker waits on the launcher's output: a launcher blocked opening a FIFO held the wodle (no log, no
        // alerts) until the agent restarted. Each start must end within 2 s, whatever the wazuh user puts there.
        Path java = wazuhHome.resolve("java");
        Files.writeString(java, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of("JAVA", java.toString()));
        assertThat(install.code()).as(install.output()).isZero();
        List<String> launcher = List.of(wazuhHome.resolve("wodles/docker/DockerListener").toString());
        Path conf = wazuhHome.resolve("etc/docker-wazuh-bridge.conf");
        Path log = logDir().resolve("docker-wazuh-bridge.log");
        Path regular = Files.copy(conf, wazuhHome.resolve("etc/regular"));
        Path fifo = wazuhHome.resolve("etc/fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThat(run(launcher, Map.of(), Duration.ofSeconds(2)).code()).isZero();

        // Put there before the start: a FIFO, a link to one.
        Files.delete(conf);
        Files.createLink(conf, fifo);
        Result bare = run(launcher, Map.of(), Duration.ofSeconds(2));
        assertThat(bare.code()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("error: " + conf + " is not a regular file root can read: "
                + "refusing to run (a FIFO)");
        Files.delete(conf);
        Files.createSymbolicLink(conf, fifo);
        assertThat(run(launcher, Map.of(), Duration.ofSeconds(2)).code()).isEqualTo(1);
        assertThat(Files.readString(log)).contains("error: " + conf + " is not a regular file root can read: "
                + "refusing to run (a symbolic link)");

        // Renamed over it while the launcher starts, between any look at the path and its open: the wazuh user
        // renames a FIFO, a link to one and a regular file over it in turn, as fast as it can.
        AtomicBoolean racing = new AtomicBoolean(true);
        AtomicReference<Throwable> raceFailed = new AtomicReference<>();
        Thread racer = new Thread(() -> {
            Path next = wazuhHome.resolve("etc/next");
            try {
                while (racing.get()) {
                    Files.createLink(next, fifo);
                    Files.move(next, conf, StandardCopyOption.ATOMIC_MOVE);
                    Files.createSymbolicLink(next, fifo);
                    Files.move(next, conf, StandardCopyOption.ATOMIC_MOVE);
                    Files.createLink(next, regular);
                    Files.move(next, conf, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (Throwable e) {
                raceFailed.set(e);
            }
        }, "racer");
        racer.start();
        try {
            // Each name put there is refused, the regular file too: a second link to it (a hard link to another file
            // root owns reads as its options). A start (0) is a launcher that took one of them; no answer within 2 s,
            // one held by the FIFO.
            for (int i = 0; i < 150; i++) {
                Result raced = run(launcher, Map.of(), Duration.ofSeconds(2));
                assertThat(raced.code()).as(raced.output()).isEqualTo(1);
            }
        } finally {
            racing.set(false);
            racer.join();
        }
        assertThat(raceFailed.get()).isNull();
    }

    @Test
    void rootRunsNothingAnotherUserCouldHaveChanged() throws Exception {
        Path wodles = Files.createDirectories(wazuhHome.resolve("wodles/docker"));
        Files.setPosixFilePermissions(wodles, PosixFilePermissions.fromString("rwxrwxrwx"));
        Result open = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of());
        assertThat(open.code()).isEqualTo(1);
        assertThat(open.output()).contains(wodles + " is writable by group or others");
        Files.setPosixFilePermissions(wodles, PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of()).code()).isZero();

        // The options file, replaced by another user (here uid 4321), is not read by the root launcher.
        Path conf = wazuhHome.resolve("etc/docker-wazuh-bridge.conf");
        Files.setAttribute(conf, "unix:uid", 4321);
        Path launcher = wodles.resolve("DockerListener");
        assertThat(run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")).code())
                .isEqualTo(1);
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("error: " + conf + " belongs to uid 4321").contains("refusing to run");
        // Nor a jar others may write.
        Files.setAttribute(conf, "unix:uid", 0);
        Files.setPosixFilePermissions(wodles.resolve("docker-wazuh-bridge.jar"),
                PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")).code())
                .isEqualTo(1);
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("docker-wazuh-bridge.jar belongs to uid 0 with mode 666");
        // Nor a class archive others may write (the JVM would map their classes).
        Files.setPosixFilePermissions(wodles.resolve("docker-wazuh-bridge.jar"),
                PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(wodles.resolve("docker-wazuh-bridge.jsa"),
                PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock")).code())
                .isEqualTo(1);
        assertThat(Files.readString(logDir().resolve("docker-wazuh-bridge.log")))
                .contains("docker-wazuh-bridge.jsa belongs to uid 0 with mode 666");
    }

    /**
     * An earlier install's data under {@code $WAZUH_HOME/var} moves to the data directory once, and only when root's:
     * one another user planted there (credentials of their own, which the broker would then take) is refused where it
     * is. Before, it was moved first and refused after, so it stayed in the data directory.
     */
    @Test
    void anEarlierInstallsDataMovesOnlyWhenRootsOwn() throws Exception {
        Path old = Files.createDirectories(wazuhHome.resolve("var/docker-wazuh-bridge"));
        Files.writeString(old.resolve("credentials.properties"), "password=planted\n");
        Files.setAttribute(old, "unix:uid", 4321);

        Result planted = run(INSTALL_NO_ARCHIVE, Map.of());
        assertThat(planted.code()).as(planted.output()).isEqualTo(1);
        assertThat(planted.output()).contains(old + " belongs to uid 4321");
        assertThat(old.resolve("credentials.properties")).as("left where it was").exists();
        assertThat(dataDir()).doesNotExist();

        Files.setAttribute(old, "unix:uid", 0);
        Result moved = run(INSTALL_NO_ARCHIVE, Map.of());
        assertThat(moved.code()).as(moved.output()).isZero();
        assertThat(moved.output()).contains("moved the bridge's data from " + old);
        assertThat(dataDir().resolve("credentials.properties")).hasContent("password=planted");
        assertThat(old).doesNotExist();
    }

    private Path dataDir() {
        return system.resolve("lib/docker-wazuh-bridge");
    }

    private Path logDir() {
        return system.resolve("log/docker-wazuh-bridge");
    }

    private record Result(int code, String output) {}

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        return run(command, env, Duration.ofSeconds(120));
    }

    private Result run(List<String> command, Map<String, String> env, Duration within)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WAZUH_HOME", wazuhHome.toString());
        builder.environment().put("DATA_DIR", dataDir().toString());
        builder.environment().put("LOG_DIR", logDir().toString());
        builder.environment().put("LOGROTATE_DIR", system.resolve("logrotate.d").toString());
        builder.environment().putAll(env);
        Path out = Files.createTempFile(system, "run", ".out");
        Process process = builder.redirectOutput(out.toFile()).start();
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) { // a launcher stuck (opening a FIFO, say)
            process.descendants().forEach(ProcessHandle::destroyForcibly); // fails, not hangs
            process.destroyForcibly();
            throw new AssertionError(command + " did not end within " + within.toMillis() + " ms");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }
}
