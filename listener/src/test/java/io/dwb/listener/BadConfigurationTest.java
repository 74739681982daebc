package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** Acceptance 7: what a person sees when the configuration is wrong: one line naming the problem, non-zero exit. */
@Execution(ExecutionMode.CONCURRENT)
class BadConfigurationTest {
    /** Nothing listens here: a Kafka that cannot be reached (loopback only, as the tests' network rule says). */
    private static final String NO_KAFKA = "127.0.0.1:1";

    private record Outcome(int exitCode, String output) {
        List<String> errorLines() {
            return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith("error:")).toList();
        }
    }

    private static Outcome run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    private static Outcome run(Map<String, String> env, String... args) throws Exception {
        try (JavaProcess p = JavaProcess.start(Main.class, env, args)) {
            int code = p.waitFor(Duration.ofSeconds(90));
            return new Outcome(code, p.output());
        }
    }

    private static void assertOneClearLine(Outcome o, String expected) {
        assertThat(o.errorLines()).as(o.output()).hasSize(1);
        assertThat(o.errorLines().get(0)).contains(expected);
        assertThat(o.output()).as("no stack trace at the default log level")
                .doesNotContain("\tat ").doesNotContain("Exception");
    }

    /**
     * No Kafka servers given is a configuration error: there is no default. localhost:9092 was one, plaintext, and a
     * listener started before its servers were set sent the host's events to whoever listened there first.
     */
    @Test
    void noKafkaServersIsAUsageError() throws Exception {
        Outcome o = run();
        assertThat(o.exitCode()).as(o.output()).isEqualTo(2);
        assertOneClearLine(o, "no Kafka servers given: set --bootstrap-servers (DWB_BOOTSTRAP_SERVERS) or "
                + "bootstrap.servers in the --kafka-config file");
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        Outcome o = run("--no-such-option");
        assertThat(o.exitCode()).isEqualTo(2);
        assertOneClearLine(o, "--no-such-option");
    }

    /** heartbeat.schema.json bounds the interval (a forwarder dead-letters longer ones as forged). */
    @Test
    void aHeartbeatIntervalOverADayIsAUsageError() throws Exception {
        Outcome o = run("--heartbeat-interval", "2d", "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(2);
        assertOneClearLine(o, "--heartbeat-interval must be at most 1d");
    }

    /** A linger holds each event's alert: bounded, so a typo (10m for 10s) does not hold them for minutes. */
    @Test
    void aTransactionLingerOverTenSecondsIsAUsageError() throws Exception {
        Outcome o = run("--transaction-linger", "11s", "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(2);
        assertOneClearLine(o, "--transaction-linger must be 0 to 10s and at most half the --heartbeat-interval, "
                + "not 11000 ms");
    }

    /** A forwarder dead-letters records of a host whose name is longer than any host's (invalid-host). */
    @Test
    void aHostNameOver256BytesIsAUsageError() throws Exception {
        Outcome o = run("--host-name", "\u00e9".repeat(129), "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(2);
        assertOneClearLine(o, "--host-name must be 1 to 256 bytes long");
    }

    @Test
    void malformedOssecConfNamesTheFileAndLine(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("ossec.conf");
        Files.writeString(conf, "<ossec_config>\n  <wodle name=\"docker-listener\">\n    <interval>1m</interval>\n"
                + "</ossec_config>\n");
        Outcome o = run("--ossec-conf", conf.toString(), "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(2);
        assertOneClearLine(o, "malformed ossec.conf " + conf + ": line 4");
    }

    @Test
    void disabledWodleExitsZeroWithAMessage(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("ossec.conf");
        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\"><disabled>yes</disabled></wodle>"
                + "</ossec_config>");
        Outcome o = run("--ossec-conf", conf.toString(), "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).as(o.output()).isZero();
        assertThat(o.output()).contains("disabled");
    }

    @Test
    void unreachableEngineAtStartNamesTheAddress(@TempDir Path dir) throws Exception {
        String host = "unix://" + dir.resolve("no-engine.sock");
        Outcome o = run("--docker-host", host, "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(1);
        assertOneClearLine(o, "cannot reach the Docker engine at " + host);
    }

    /** As the docker CLI: {@code tcp://host} is port 2375 (it was 80, HTTP's), and the error names the port. */
    @Test
    void aTcpAddressWithoutAPortIsTheDockerPort2375() throws Exception {
        for (String host : List.of("127.0.0.1", "[::1]")) {
            // Not skipped when something answers there: the test would then say nothing.
            assertThat(nothingListens(host.replaceAll("[\\[\\]]", ""), 2375)).as("port 2375 of " + host
                    + " is free on this machine (the test needs a refused connection there)").isTrue();
            Outcome o = run("--docker-host", "tcp://" + host, "--bootstrap-servers", NO_KAFKA);
            assertThat(o.exitCode()).as(o.output()).isEqualTo(1);
            assertOneClearLine(o, "cannot reach the Docker engine at tcp://" + host + ":2375: ");
        }
    }

    /**
     * docker-java has no ssh transport: an {@code ssh://} address was an unexpected failure (exit 1, which systemd
     * restarts), not a configuration to fix (exit 2).
     */
    @Test
    void anSshAddressIsAUsageErrorSayingWhatToDoInstead() throws Exception {
        Outcome o = run("--docker-host", "ssh://dwb@engine.example", "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).as(o.output()).isEqualTo(2);
        assertOneClearLine(o, "--docker-host ssh://dwb@engine.example: ssh:// is not supported");
        assertThat(o.errorLines().get(0)).contains("unix://").contains("tcp://").contains("DOCKER_TLS_VERIFY");
    }

    /**
     * As the docker CLI, any value of DOCKER_TLS_VERIFY turns TLS on (docker-java took only 1 and true, and spoke
     * plain HTTP otherwise); without the CA's certificate TLS cannot verify the engine.
     */
    @Test
    void tlsWithoutTheCaCertificateIsAUsageErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Outcome o = run(Map.of("DOCKER_TLS_VERIFY", "yes", "DOCKER_CERT_PATH", dir.toString()),
                "--docker-host", "tcp://127.0.0.1:1", "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).as(o.output()).isEqualTo(2);
        assertOneClearLine(o, "DOCKER_TLS_VERIFY is set but " + dir.resolve("ca.pem") + " is missing");
    }

    /**
     * The engine is --docker-host, else DOCKER_HOST, else the default socket: not the docker CLI's current context
     * (which docker-java followed, TLS settings left behind), nor a malformed config.json of the user's home.
     */
    @Test
    void theDockerCliContextIsNotFollowed(@TempDir Path dir) throws Exception {
        Path meta = dir.resolve("contexts/meta/" + sha256("remote") + "/meta.json");
        Files.createDirectories(meta.getParent());
        Files.writeString(meta, "{\"Name\":\"remote\",\"Metadata\":{},\"Endpoints\":{\"docker\":"
                + "{\"Host\":\"tcp://127.0.0.1:9\",\"SkipTLSVerify\":false}}}");
        Files.writeString(dir.resolve("config.json"), "{\"currentContext\":\"remote\"}");
        Outcome o = run(Map.of("DOCKER_HOST", "", "DOCKER_CONFIG", dir.toString()), "--bootstrap-servers",
                NO_KAFKA, "--kafka-timeout", "3s");
        assertThat(o.output()).contains("unix:///var/run/docker.sock").doesNotContain("tcp://127.0.0.1:9");

        Files.writeString(dir.resolve("config.json"), "{\"currentContext\":");
        o = run(Map.of("DOCKER_HOST", "", "DOCKER_CONFIG", dir.toString()), "--bootstrap-servers", NO_KAFKA,
                "--kafka-timeout", "3s");
        assertThat(o.output()).contains("unix:///var/run/docker.sock").doesNotContain("configuration file");
    }

    @Test
    void unreachableEngineWithOssecAttemptsGivesUpAfterThem(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("ossec.conf");
        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\"><interval>1s</interval>"
                + "<attempts>3</attempts></wodle></ossec_config>");
        String host = "unix://" + dir.resolve("no-engine.sock");
        Outcome o = run("--docker-host", host, "--ossec-conf", conf.toString(), "--bootstrap-servers", NO_KAFKA);
        assertThat(o.exitCode()).isEqualTo(1);
        assertOneClearLine(o, "gave up after 3 attempts");
        assertThat(o.output()).contains("attempt 1 of 3").contains("attempt 2 of 3");
    }

    /** An answer that is no engine's (a proxy's error page) is retried as an engine away, then given up. */
    @Test
    void anEngineAnsweringInfoWithSomethingElseIsRetriedAsAnEngineAway() throws Exception {
        for (String info : List.of("<html>502 Bad Gateway</html>", "[1,2]")) {
            try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
                engine.answerInfo(info);
                Outcome o = run("--docker-host", engine.dockerHost(), "--attempts", "2", "--bootstrap-servers",
                        NO_KAFKA);
                assertThat(o.exitCode()).as(info).isEqualTo(1);
                assertOneClearLine(o, "gave up after 2 attempts");
                assertThat(o.output()).as(info).contains("attempt 1 of 2");
            }
        }
    }

    @Test
    void runOnStartNoWaitsOneIntervalBeforeTheFirstConnection(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("ossec.conf");
        Files.writeString(conf, "<ossec_config><wodle name=\"docker-listener\"><interval>3s</interval>"
                + "<attempts>1</attempts><run_on_start>no</run_on_start></wodle></ossec_config>");
        String host = "unix://" + dir.resolve("no-engine.sock");
        long start = System.nanoTime();
        Outcome o = run("--docker-host", host, "--ossec-conf", conf.toString(), "--bootstrap-servers", NO_KAFKA);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(o.output()).contains("run_on_start is no: waiting PT3S before the first connection");
        assertThat(o.exitCode()).isEqualTo(1);
        assertOneClearLine(o, "gave up after 1 attempts");
    }

    @Test
    void unreachableKafkaNamesTheServersWithinTheTimeout() throws Exception {
        long start = System.nanoTime();
        Outcome o = run("--bootstrap-servers", NO_KAFKA, "--kafka-timeout", "5s", "--host-name", "unreachable-kafka");
        assertThat(o.exitCode()).isEqualTo(1);
        assertOneClearLine(o, "cannot reach Kafka at " + NO_KAFKA + " (no answer within 5 s)");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    /** DNS may answer at the next start (a boot that starts the listener before the network): systemd restarts it. */
    @Test
    void aKafkaServerNameThatDoesNotResolveIsAFailureNotAConfigurationError() throws Exception {
        Outcome o = run("--bootstrap-servers", "kafka.invalid:9092", "--host-name", "unresolved-kafka");
        assertThat(o.exitCode()).as(o.output()).isEqualTo(1);
        assertOneClearLine(o, "No resolvable bootstrap urls given in bootstrap.servers");
    }

    @Test
    void helpExplainsEveryOptionWithItsEnvironmentVariable() throws Exception {
        Outcome o = run("--help");
        assertThat(o.exitCode()).isZero();
        for (String option : List.of("--docker-host", "--bootstrap-servers", "--kafka-config", "--topic",
                "--checkpoint-topic", "--host-name", "--ossec-conf", "--transaction-interval", "--heartbeat-interval",
                "--queue-capacity", "--reconnect-max-wait", "--attempts", "--kafka-timeout", "--continuity-wait",
                "--metrics-port", "--config")) {
            assertThat(o.output()).contains(option);
            if (!option.equals("--config")) {
                String env = "DWB_" + option.substring(2).toUpperCase().replace('-', '_');
                assertThat(o.output()).as("env var of " + option).contains(env);
            }
        }
        assertThat(o.output()).contains("DOCKER_HOST").contains("one of them is required");
    }

    private static boolean nothingListens(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
