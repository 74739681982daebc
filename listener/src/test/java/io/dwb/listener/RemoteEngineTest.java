package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * An engine reached over {@code tcp://}, set up as for the docker CLI: TLS from DOCKER_TLS_VERIFY with the files
 * of DOCKER_CERT_PATH, else of the docker CLI's configuration directory; an IPv6 address. The engine is a scripted
 * one that speaks TLS as {@code dockerd --tlsverify} does (a client certificate of its CA required); one event goes
 * through the events connection to Kafka.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class RemoteEngineTest {
    /** Now: the topic's 7-day retention would delete records timestamped earlier. */
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;

    /** docker-java took only 1 and true: "yes" spoke plain HTTP to the engine's TLS port. */
    @Test
    void anyValueOfDockerTlsVerifyTurnsTlsOn(SharedKafka.Broker broker, @TempDir Path dir) throws Exception {
        EngineCertificates certificates = new EngineCertificates();
        Path certs = certificates.writeClientFiles(dir.resolve("certs"));
        assertOneEventOverTls(broker, certificates, Map.of("DOCKER_TLS_VERIFY", "yes",
                "DOCKER_CERT_PATH", certs.toString()));
    }

    /** docker-java refused DOCKER_TLS_VERIFY without DOCKER_CERT_PATH (exit 2). */
    @Test
    void withoutDockerCertPathTheFilesAreTheDockerCliConfigurationDirectorys(SharedKafka.Broker broker,
                                                                             @TempDir Path dir) throws Exception {
        EngineCertificates certificates = new EngineCertificates();
        Path config = certificates.writeClientFiles(dir.resolve("docker-config"));
        assertOneEventOverTls(broker, certificates, Map.of("DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", "",
                "DOCKER_CONFIG", config.toString()));
    }

    @Test
    void anEngineOnAnIpv6Address(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(event("on-ipv6")), "::1", null);
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            assertThat(engine.dockerHost()).startsWith("tcp://[::1]:");
            awaitTheEvent(broker, listener, process, "on-ipv6");
            assertThat(process.output()).contains("Docker engine at " + engine.dockerHost() + ": host");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    private static void assertOneEventOverTls(SharedKafka.Broker broker, EngineCertificates certificates,
                                              Map<String, String> env) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(event("over-tls")), "127.0.0.1",
                certificates.serverContext());
             JavaProcess process = listener.start(env, "--docker-host", engine.dockerHost())) {
            awaitTheEvent(broker, listener, process, "over-tls");
            assertThat(process.output()).contains("Docker engine at " + engine.dockerHost() + ": host");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    private static void awaitTheEvent(SharedKafka.Broker broker, ListenerProcess listener, JavaProcess process,
                                      String id) {
        ListenerProcess.awaitConnected(process, 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(TopicView.read(broker, listener.topic).eventValues(e -> true))
                        .extracting(e -> e.path("Actor").path("ID").asText()).containsExactly(id));
    }

    private static ScriptedEngine.Event event(String id) {
        return new ScriptedEngine.Event(("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{}},\"scope\":\"local\",\"time\":" + T0 / 1_000_000_000L + ",\"timeNano\":"
                + T0 + "}").getBytes(StandardCharsets.UTF_8), T0);
    }
}
