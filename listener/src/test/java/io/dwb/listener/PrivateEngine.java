package io.dwb.listener;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.dwb.schemas.testing.TestEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Docker daemon of the test's own, on its own socket and directories, that the test may stop and start again
 * (the shared engine runs everyone's Kafka and must never be restarted). It runs in a network namespace of its own,
 * with no bridge and no iptables: the volumes the test makes need neither.
 */
final class PrivateEngine implements AutoCloseable {
    private final Path dir;
    private Process daemon;
    private DockerClient client;

    private PrivateEngine(Path dir) {
        this.dir = dir;
    }

    static PrivateEngine start() throws Exception {
        Path dir = Path.of("/tmp", "dwb-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectories(dir);
        PrivateEngine engine = new PrivateEngine(dir);
        engine.startDaemon();
        return engine;
    }

    String dockerHost() {
        return "unix://" + dir.resolve("docker.sock");
    }

    DockerClient client() {
        return client;
    }

    /**
     * Waits until the engine's clock is {@code past} beyond where it is now: what it made before this call is then
     * older than anything a watch begun after it looks back to.
     */
    void awaitClockPast(Duration past) {
        long from = TestEngine.engineNowNanos(client);
        await().atMost(past.plusSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> TestEngine.engineNowNanos(client) - from >= past.toNanos());
    }

    void startDaemon() throws Exception {
        // Its own network namespace: with --bridge none a dockerd deletes the host's docker0 on start, which would
        // break the shared engine's containers. Inside the namespace nothing it does to links or iptables leaks out.
        daemon = new ProcessBuilder(List.of("unshare", "--net", "dockerd", "--host", dockerHost(), "--data-root",
                dir.resolve("root").toString(), "--exec-root", dir.resolve("exec").toString(), "--pidfile",
                dir.resolve("docker.pid").toString(), "--storage-driver", "vfs", "--bridge", "none",
                "--iptables=false", "--ip6tables=false"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(dockerHost()).build();
        client = DockerClientImpl.getInstance(config, new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).connectionTimeout(Duration.ofSeconds(5)).build());
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .failFast("dockerd exited", () -> !daemon.isAlive())
                    .ignoreExceptions().until(() -> {
                        client.pingCmd().exec();
                        return true;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException | org.awaitility.core.TerminalFailureException e) {
            throw new IllegalStateException("private dockerd did not start: "
                    + Files.readString(dir.resolve("dockerd.log")), e);
        }
    }

    /** SIGTERM, as a service manager stops the daemon; waits for it to exit. */
    void stopDaemon() throws Exception {
        if (client != null) {
            client.close();
            client = null;
        }
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!daemon.waitFor(60, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() throws Exception {
        stopDaemon();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a mount left behind would be the daemon's; the directory is unique to this test
                }
            });
        }
    }
}
