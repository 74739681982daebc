package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.runtime.OssecConf;
import io.dwb.schemas.testing.JavaProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code standalone/service/install} against a scratch directory laid out like a Wazuh agent's (its ossec.conf with
 * the stock docker-listener wodle enabled, the package's {@code wodles/docker/DockerListener}, {@code queue/sockets})
 * and scratch systemd, prefix, configuration and data directories, without systemctl: the bridge lives only in files
 * the agent package does not own, so an agent upgrade leaves it in place, and the stock wodle, which would double
 * every alert, is disabled until the uninstall puts ossec.conf back as it was.
 */
class ServiceInstallPackagedTest {
    private static final Path JAR = Path.of("target", "standalone.jar").toAbsolutePath();
    private static final Path INSTALL = Path.of("service", "install").toAbsolutePath();
    private static final String OSSEC_CONF = """
            <ossec_config>
              <client><server><address>10.0.0.1</address></server></client>
              <!-- <wodle name="docker-listener"><disabled>no</disabled></wodle> -->
              <wodle name="docker-listener">
                <interval>10m</interval>
                <attempts>5</attempts>
                <run_on_start>no</run_on_start>
                <disabled>no</disabled>
              </wodle>
            </ossec_config>
            <ossec_config>
              <wodle name="docker-listener"><interval>1m</interval></wodle>
            </ossec_config>
            """;
    private static final String PACKAGE_LISTENER = "#!/usr/bin/env python3\n# the agent package's DockerListener\n";

    @TempDir
    Path wazuhHome;
    @TempDir
    Path system;

    @Test
    void installsBesideTheAgentSurvivesItsUpgradeAndUninstallPutsOssecConfBack() throws Exception {
        Path ossecConf = Files.createDirectories(wazuhHome.resolve("etc")).resolve("ossec.conf");
        Files.writeString(ossecConf, OSSEC_CONF);
        Files.setPosixFilePermissions(ossecConf, PosixFilePermissions.fromString("rw-rw----"));
        Path listener = Files.createDirectories(wazuhHome.resolve("wodles/docker")).resolve("DockerListener");
        Files.writeString(listener, PACKAGE_LISTENER);
        Path sockets = Files.createDirectories(wazuhHome.resolve("queue/sockets"));
        Files.setAttribute(sockets, "unix:gid", 100); // the agent's group ("wazuh"), here the group "users"
        Path dockerSocket = Files.writeString(system.resolve("docker.sock"), "");
        Files.setAttribute(dockerSocket, "unix:gid", 105); // the engine's group ("docker")

        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()));
        assertThat(install.code()).as(install.output()).isZero();
        assertThat(install.output()).contains("installed " + unit())
                .contains("disabled the stock <wodle name=\"docker-listener\"> in " + ossecConf);

        String unitText = Files.readString(unit());
        assertThat(unitText.lines()).contains(
                "After=network.target docker.service wazuh-agent.service wazuh-manager.service",
                "User=" + user(),
                "SupplementaryGroups=" + groupName(105) + " " + groupName(100),
                "EnvironmentFile=" + prefix().resolve("docker-wazuh-bridge.environment"),
                "EnvironmentFile=" + system.resolve("etc/environment"),
                "Restart=on-failure",
                "RestartPreventExitStatus=2",
                "SuccessExitStatus=143",
                "TimeoutStopSec=60s",
                "NoNewPrivileges=yes",
                "ProtectSystem=strict",
                "ReadWritePaths=" + dataDir(),
                "ProtectProc=invisible",
                "RemoveIPC=yes",
                "ProtectHome=yes",
                "PrivateTmp=yes",
                "CapabilityBoundingSet=");
        assertThat(execStart()).endsWith(" $JAVA_OPTS -jar " + prefix().resolve("docker-wazuh-bridge.jar")
                + " --config " + system.resolve("etc/docker-wazuh-bridge.conf") + " --data-dir " + dataDir()
                + " --wazuh-queue " + sockets.resolve("queue") + " --wazuh-home " + wazuhHome);
        assertThat(prefix().resolve("docker-wazuh-bridge.jar")).hasSameBinaryContentAs(JAR);
        // Its class archive, written by the installer's java for the installed jar, read-only.
        assertThat(execStart()).contains(" -XX:SharedArchiveFile=" + prefix().resolve("docker-wazuh-bridge.jsa") + " ");
        assertThat(prefix().resolve("docker-wazuh-bridge.jsa")).isNotEmptyFile();
        assertThat(Files.getPosixFilePermissions(prefix().resolve("docker-wazuh-bridge.jsa")))
                .isEqualTo(PosixFilePermissions.fromString("r--r--r--"));
        // The release's JVM flags and glibc's malloc settings in a file of the installer's; the admin's file, read
        // after it, replaces them when it sets JAVA_OPTS (none yet).
        assertThat(Files.readString(release())).contains("JAVA_OPTS=\"-XX:+UseSerialGC");
        assertThat(Files.readAllLines(release())).as("glibc's malloc settings").containsAll(mallocSettings());
        assertThat(Files.readAllLines(system.resolve("etc/environment"))).noneMatch(l -> l.startsWith("JAVA_OPTS"));
        assertThat(Files.getPosixFilePermissions(dataDir())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        // What the agent package owns is untouched; the admin's ossec.conf keeps its mode, its blocks are disabled.
        assertThat(listener).hasContent(PACKAGE_LISTENER);
        assertThat(Files.getPosixFilePermissions(ossecConf)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
        assertThat(StockWodle.of(OssecConf.read(ossecConf))).isEqualTo(StockWodle.DISABLED);
        // Both blocks (Wazuh may run each), not the commented-out one.
        assertThat(Files.readString(ossecConf).split("<disabled>yes</disabled>", -1)).hasSize(3);
        assertThat(Files.readString(ossecConf)).contains("<!-- <wodle name=\"docker-listener\"><disabled>no</disabled></wodle> -->");
        String disabledConf = Files.readString(ossecConf);

        // An agent upgrade: the package rewrites its own files under wodles/docker (and keeps ossec.conf, a conffile).
        Files.writeString(listener, PACKAGE_LISTENER + "# upgraded\n");
        Files.writeString(listener.resolveSibling("DockerListener.py"), "# upgraded\n");
        assertThat(unit()).hasContent(unitText);
        assertThat(prefix().resolve("docker-wazuh-bridge.jar")).hasSameBinaryContentAs(JAR);
        assertThat(ossecConf).hasContent(disabledConf);

        // Installed again (an upgrade of the bridge): nothing more to disable, the admin's option files are kept;
        // without a class archive this time: the one written for the jar it replaces is gone. Over an install of
        // an earlier release, which wrote every JVM flag into the admin's environment file (kept for good by each
        // upgrade, with no malloc settings): the release's file is this release's, and the admin's line is said.
        Files.writeString(system.resolve("etc/docker-wazuh-bridge.conf"), "eps=300\n");
        Files.writeString(system.resolve("etc/environment"), "JAVA_OPTS=\"-XX:+UseSerialGC -Xmx256m\"\n");
        Files.writeString(release(), "JAVA_OPTS=\"-XX:+UseSerialGC\"\n");
        Result again = run(List.of(INSTALL.toString(), "--jar", JAR.toString(), "--no-class-archive"));
        assertThat(again.code()).as(again.output()).isZero();
        assertThat(again.output()).doesNotContain("disabled the stock").contains("wrote no class archive")
                .contains("kept " + system.resolve("etc/environment") + ": its JAVA_OPTS replace this release's "
                        + "flags (" + release() + ")");
        assertThat(Files.readString(release())).contains("JAVA_OPTS=\"-XX:+UseSerialGC -Xms32m");
        assertThat(Files.readAllLines(release())).containsAll(mallocSettings());
        assertThat(system.resolve("etc/environment")).hasContent("JAVA_OPTS=\"-XX:+UseSerialGC -Xmx256m\"");
        assertThat(prefix().resolve("docker-wazuh-bridge.jsa")).doesNotExist();
        assertThat(execStart()).as("no archive given to java").doesNotContain("SharedArchiveFile");
        assertThat(ossecConf).hasContent(disabledConf);
        assertThat(system.resolve("etc/docker-wazuh-bridge.conf")).hasContent("eps=300\n");

        Result uninstall = run(List.of(INSTALL.toString(), "--uninstall"));
        assertThat(uninstall.code()).as(uninstall.output()).isZero();
        assertThat(unit()).doesNotExist();
        assertThat(prefix().resolve("docker-wazuh-bridge.jar")).doesNotExist();
        assertThat(release()).doesNotExist();
        assertThat(prefix().resolve("docker-wazuh-bridge.jsa")).doesNotExist();
        assertThat(ossecConf).hasContent(OSSEC_CONF);
        assertThat(listener).hasContent(PACKAGE_LISTENER + "# upgraded\n");
    }

    @Test
    void uninstallLeavesABlockTheAdminHadDisabledDisabled() throws Exception {
        Path ossecConf = Files.createDirectories(wazuhHome.resolve("etc")).resolve("ossec.conf");
        String disabled = "<ossec_config>\n  <wodle name=\"docker-listener\">\n    <disabled>yes</disabled>\n"
                + "  </wodle>\n</ossec_config>\n";
        Files.writeString(ossecConf, disabled);
        Files.createDirectories(wazuhHome.resolve("queue/sockets"));

        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString(), "--no-class-archive"));
        assertThat(install.code()).as(install.output()).isZero();
        assertThat(install.output()).doesNotContain("disabled the stock");
        assertThat(run(List.of(INSTALL.toString(), "--uninstall")).code()).isZero();
        assertThat(ossecConf).hasContent(disabled);
    }

    @Test
    void theUnitsCommandStartsAndWarnsWhenTheStockWodleIsEnabledAgain() throws Exception {
        Path ossecConf = Files.createDirectories(wazuhHome.resolve("etc")).resolve("ossec.conf");
        Files.writeString(ossecConf, OSSEC_CONF);
        Files.createDirectories(wazuhHome.resolve("queue/sockets"));
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()));
        assertThat(install.code()).as(install.output()).isZero();

        List<String> command = execStartCommand();
        Result version = run(concat(command, "--version"));
        assertThat(version.code()).as(version.output()).isZero();
        assertThat(version.output()).startsWith("standalone ");
        // The admin's JAVA_OPTS replace the release's flags, a collector of their choosing included (added after
        // them, -XX:+UseG1GC beside the release's -XX:+UseSerialGC kept the JVM from starting at all).
        Path environment = system.resolve("etc/environment");
        String adminEnvironment = Files.readString(environment);
        Files.writeString(environment, adminEnvironment + "JAVA_OPTS=\"-XX:+UseG1GC -Xms64m -Xmx512m\"\n");
        Result g1 = run(concat(execStartCommand(), "--version"));
        assertThat(g1.code()).as(g1.output()).isZero();
        Files.writeString(environment, adminEnvironment);
        // The unit's command maps the standalone's classes from the archive the installer wrote.
        Result classLoad = run(concat(command, "--version"), Map.of("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info"));
        assertThat(classLoad.output()).contains("io.dwb.standalone.Main source: shared objects file");

        // Started as the service starts it, with no engine: the stock wodle is disabled, so no warning; exit 1.
        Result quiet = run(command, Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
        assertThat(quiet.code()).as(quiet.output()).isEqualTo(1);
        assertThat(quiet.output()).contains("unix:///nonexistent/docker.sock").doesNotContain("WARN");

        // An admin enables the stock wodle again: the bridge says, at start, that every alert would come twice.
        Files.writeString(ossecConf, OSSEC_CONF);
        Result warned = run(command, Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
        assertThat(warned.code()).as(warned.output()).isEqualTo(1);
        assertThat(warned.output()).contains(" WARN ").contains(ossecConf + " enables the stock <wodle "
                + "name=\"docker-listener\">").contains("arrives twice");
    }

    @Test
    void anOssecConfThatIsALinkIsNeitherReadNorWrittenThrough() throws Exception {
        // etc/ is the wazuh group's: a link planted there must not make root leak or overwrite what it points to.
        Path secret = Files.writeString(system.resolve("shadow"), "root:secret\n");
        Path ossecConf = Files.createDirectories(wazuhHome.resolve("etc")).resolve("ossec.conf");
        Files.createSymbolicLink(ossecConf, secret);
        Files.createDirectories(wazuhHome.resolve("queue/sockets"));

        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()));
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.output()).contains(ossecConf + " is a symbolic link");
        assertThat(unit()).doesNotExist();
        Result uninstall = run(List.of(INSTALL.toString(), "--uninstall"));
        assertThat(uninstall.code()).isEqualTo(1);
        assertThat(uninstall.output()).contains(ossecConf + " left as it was");
        assertThat(secret).hasContent("root:secret\n");
        assertThat(Files.isSymbolicLink(ossecConf)).isTrue();
    }

    @Test
    void withoutAnAgentItSaysSoAndWritesNothing() throws Exception {
        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()));
        assertThat(install.code()).isEqualTo(1);
        assertThat(install.output()).contains("no " + wazuhHome.resolve("queue/sockets")).contains("agent installed");
        assertThat(unit()).doesNotExist();
        assertThat(prefix()).doesNotExist();
    }

    /**
     * ExecStart= as systemd runs it: words split at blanks, {@code $JAVA_OPTS} from the EnvironmentFiles (the last
     * one setting it wins).
     */
    private List<String> execStartCommand() throws IOException {
        String javaOpts = null;
        for (Path file : List.of(release(), system.resolve("etc/environment"))) {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("JAVA_OPTS=")) {
                    javaOpts = line.substring("JAVA_OPTS=".length()).replaceAll("^\"|\"$", "");
                }
            }
        }
        assertThat(javaOpts).isNotBlank();
        List<String> command = new ArrayList<>();
        for (String word : execStart().split(" ")) {
            if (word.equals("$JAVA_OPTS")) {
                command.addAll(javaOpts.isBlank() ? List.of() : List.of(javaOpts.strip().split(" +")));
            } else {
                command.add(word);
            }
        }
        return command;
    }

    /** glibc's malloc settings (deploy/malloc.env), as the launchers export them: NAME=VALUE lines. */
    private static List<String> mallocSettings() throws IOException {
        List<String> lines = JavaProcess.launcherEnv().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        assertThat(lines).isNotEmpty();
        return lines;
    }

    /** The installer's environment file: the release's JVM flags and malloc settings. */
    private Path release() {
        return prefix().resolve("docker-wazuh-bridge.environment");
    }

    private String execStart() throws IOException {
        return Files.readAllLines(unit()).stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length());
    }

    private static List<String> concat(List<String> command, String argument) {
        List<String> all = new ArrayList<>(command);
        all.add(argument);
        return all;
    }

    private Path unit() {
        return system.resolve("systemd/docker-wazuh-bridge.service");
    }

    private Path prefix() {
        return system.resolve("opt/docker-wazuh-bridge");
    }

    private Path dataDir() {
        return system.resolve("lib/docker-wazuh-bridge");
    }

    private static String user() {
        return System.getProperty("user.name");
    }

    private static String groupName(int gid) throws IOException, InterruptedException {
        Process getent = new ProcessBuilder("getent", "group", Integer.toString(gid)).start();
        String line = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(getent.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return line.substring(0, line.indexOf(':'));
    }

    private record Result(int code, String output) {}

    private Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of());
    }

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WAZUH_HOME", wazuhHome.toString());
        builder.environment().put("PREFIX", prefix().toString());
        builder.environment().put("CONF_DIR", system.resolve("etc").toString());
        builder.environment().put("DATA_DIR", dataDir().toString());
        builder.environment().put("SYSTEMD_DIR", system.resolve("systemd").toString());
        builder.environment().put("DOCKER_SOCKET", system.resolve("docker.sock").toString());
        builder.environment().put("SERVICE_USER", user());
        builder.environment().put("SYSTEMCTL", "true");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
