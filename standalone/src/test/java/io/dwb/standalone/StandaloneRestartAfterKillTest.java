package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.TestEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/run} killed with SIGKILL and started again on the same data directory delivers what happened while it
 * was down within seconds of the restart: its forwarder is a static group member and takes its partitions back at
 * once, where it waited for the killed process's session (45 s) to expire in the restarted broker.
 */
class StandaloneRestartAfterKillTest {
    /** Broker start, listener replay and delivery on a loaded machine, well below the 45 s session timeout. */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static TestEngine engine;

    @TempDir
    Path dataDir;

    @BeforeAll
    static void engine() {
        engine = new TestEngine();
    }

    @AfterAll
    static void closeEngine() throws Exception {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void restartedAfterSigkillItDeliversWhatItMissedWithinSeconds() throws Exception {
        String before = TestEngine.uniqueName("restart-before");
        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            awaitSubscribed(process);
            dockerRunTrue(before);
            await().atMost(Duration.ofSeconds(60)).until(() -> watch.alertsFor(before).size() >= 4);
            process.kill();
        }
        String whileDown = TestEngine.uniqueName("restart-down");
        long since = engine.engineNowNanos();
        dockerRunTrue(whileDown);
        List<JsonNode> missed = engineEventsOf(whileDown, since);
        assertThat(missed).isNotEmpty();

        try (JavaProcess process = start(); AlertWatch watch = new AlertWatch(process)) {
            watch.assertResumedWithoutLoss(whileDown, missed, RECOVERY_BOUND);
            assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    private JavaProcess start() throws Exception {
        String host = System.getenv("DOCKER_HOST");
        return JavaProcess.start(Main.class, Map.of("DOCKER_HOST", host == null ? "unix:///var/run/docker.sock" : host),
                "--data-dir", dataDir.toString(), "--kafka-port", "0", "--wazuh-queue", "-");
    }

    private static void awaitSubscribed(JavaProcess process) {
        await().atMost(START_TIMEOUT).until(() -> {
            assertThat(process.isAlive()).as("standalone still running; output:%n%s", process.output()).isTrue();
            return process.output().contains("subscribed to GET /events");
        });
    }

    private static void dockerRunTrue(String name) throws Exception {
        Process run = new ProcessBuilder("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true",
                "--name", name, TestEngine.BUSYBOX, "true").redirectErrorStream(true).start();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(run.exitValue()).as(new String(run.getInputStream().readAllBytes())).isZero();
    }

    private static List<JsonNode> engineEventsOf(String name, long sinceNanos) throws Exception {
        long until = engine.engineNowNanos() + 1_000_000_000L;
        List<JsonNode> own = new ArrayList<>();
        for (JsonNode e : engine.events(sinceNanos, until)) {
            if (name.equals(e.path("Actor").path("Attributes").path("name").asText(null))) {
                own.add(e);
            }
        }
        return own;
    }
}
