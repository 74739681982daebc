package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code standalone/wodle/install} against a scratch WAZUH_HOME: the launcher wm_docker runs is in place, the seed's
 * one is kept, and the launcher really starts the packaged jar with the wodle's data dir and queue.
 */
class WodleInstallPackagedTest {
    private static final Path JAR = Path.of("target", "standalone.jar").toAbsolutePath();
    private static final Path INSTALL = Path.of("wodle", "install").toAbsolutePath();

    @TempDir
    Path wazuhHome;

    @Test
    void installsTheLauncherKeepsTheSeedsAndUninstallPutsItBack() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        Files.createDirectories(launcher.getParent());
        Files.writeString(launcher, "#!/usr/bin/env python3\n# the seed's DockerListener\n");

        Result install = run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of());
        assertThat(install.code()).as(install.output()).isZero();
        assertThat(install.output()).contains("installed " + launcher);

        assertThat(Files.isExecutable(launcher)).isTrue();
        assertThat(Files.readString(launcher)).contains("docker-wazuh-bridge")
                .contains("--data-dir \"$WAZUH_HOME/var/docker-wazuh-bridge\"")
                .contains("--wazuh-queue \"$WAZUH_HOME/queue/sockets/queue\"");
        assertThat(Files.readString(launcher.resolveSibling("DockerListener.orig"))).contains("the seed's");
        assertThat(launcher.resolveSibling("docker-wazuh-bridge.jar")).hasSameBinaryContentAs(JAR);
        assertThat(wazuhHome.resolve("etc/docker-wazuh-bridge.conf")).exists();
        assertThat(wazuhHome.resolve("var/docker-wazuh-bridge")).isDirectory();

        // A second install (an upgrade) keeps the seed's launcher as it was, not our own.
        assertThat(run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of()).code()).isZero();
        assertThat(Files.readString(launcher.resolveSibling("DockerListener.orig"))).contains("the seed's");

        Result uninstall = run(List.of(INSTALL.toString(), "--uninstall"), Map.of());
        assertThat(uninstall.code()).as(uninstall.output()).isZero();
        assertThat(Files.readString(launcher)).contains("the seed's");
        assertThat(launcher.resolveSibling("docker-wazuh-bridge.jar")).doesNotExist();
    }

    @Test
    void theInstalledLauncherRunsThePackagedJar() throws Exception {
        Path launcher = wazuhHome.resolve("wodles/docker/DockerListener");
        assertThat(run(List.of(INSTALL.toString(), "--jar", JAR.toString()), Map.of()).code()).isZero();

        Result help = run(List.of(launcher.toString(), "--help"), Map.of());
        assertThat(help.code()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: standalone").contains("--data-dir").contains("--wazuh-queue");

        // What wm_docker sees when the engine is missing: exit 1 (it waits <interval>, then tries again), and
        // one line in the bridge's log saying where it looked.
        Result noEngine = run(List.of(launcher.toString()), Map.of("DOCKER_HOST", "unix:///nonexistent/docker.sock"));
        assertThat(noEngine.code()).as(noEngine.output()).isEqualTo(1);
        List<String> log = Files.readAllLines(wazuhHome.resolve("logs/docker-wazuh-bridge.log"));
        assertThat(log).singleElement().asString().startsWith("error: ")
                .contains("unix:///nonexistent/docker.sock").contains("--docker-host");
    }

    private record Result(int code, String output) {}

    private Result run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("WAZUH_HOME", wazuhHome.toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
