package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener on the engine's Unix socket (the test engine's, as on a Docker host) speaks no TLS, so it builds no TLS
 * context: docker-java's HTTP client made the JVM's default one for each client (trust store, secure random, JSSE's
 * classes), a tenth of the start and ~3 MB of a listener at rest (docs/benchmarks.md). Seen in the classes loaded.
 */
@ExtendWith(SharedKafka.class)
class EngineSocketTest {
    @Test
    void aListenerOnTheEnginesUnixSocketBuildsNoTlsContext(SharedKafka.Broker broker, @TempDir Path dir)
            throws Exception {
        Path classes = dir.resolve("classes.log");
        ListenerProcess listener = new ListenerProcess(broker);
        try (JavaProcess process = listener.startWithJvmOptions(List.of("-Xlog:class+load=info:file=" + classes))) {
            ListenerProcess.awaitConnected(process, 1);
            assertThat(process.output()).contains("Docker engine at unix://");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }

        String loaded = Files.readString(classes);
        assertThat(loaded).as("the engine's events read").contains("io.dwb.listener.EventStream ");
        assertThat(loaded).as("no TLS context made").doesNotContain("sun.security.ssl.SSLContextImpl");
    }

    /**
     * The docker CLI takes a socket's path literally. docker-java opens the address's decoded path, so
     * unix:///dir/a #b?c%20d.sock, read as a URI, was the socket /dir/a (its fragment and query dropped, or refused
     * for its space): a socket under a name with these characters could not be reached.
     */
    @Test
    void aSocketWhoseNameHoldsAHashAQuestionMarkAPercentAndASpaceIsOpenedByThatName(@TempDir Path dir)
            throws Exception {
        Path engineSocket = Path.of(EngineAddress.resolve(null).uri().getPath());
        Path socket = Files.createSymbolicLink(dir.resolve("a #b?c%20d.sock"), engineSocket);
        Files.createSymbolicLink(dir.resolve("a "), engineSocket); // where "#" began a fragment
        EngineAddress address = EngineAddress.resolve("unix://" + socket, Map.of(), "/nonexistent-home");
        assertThat(address).hasToString("unix://" + socket);
        EngineProbe.Settings probe = new EngineProbe.Settings(Duration.ofSeconds(10), Duration.ofSeconds(5));
        try (EngineConnection connection = new EngineConnection(address, probe)) {
            connection.ping();
            assertThat(connection.identity().id()).isNotEmpty();
        }
        Files.delete(socket);
        try (EngineConnection connection = new EngineConnection(address, probe)) {
            assertThatThrownBy(connection::ping).isInstanceOf(EngineConnection.EngineUnavailable.class)
                    .hasMessageStartingWith("cannot reach the Docker engine at unix://" + socket + ": ");
        }
    }
}
