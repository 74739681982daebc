package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient.Response;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.testing.LogLines;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's TLS files renewed under a running listener (client certificates of a day from Vault, step-ca,
 * cert-manager): the next connection uses them, the events connection and the pooled ones; files a renewal has
 * half-written leave those read before in use. Before, the context made at start served every connection, and the
 * first reconnection after the old certificate's end failed its handshake until the listener was restarted. On one
 * {@link EngineConnection}, with {@link ScriptedEngine} speaking TLS as {@code dockerd --tlsverify} (a client
 * certificate of its CA required) and certificates of {@link EngineCertificates}: no broker.
 */
@Timeout(value = 60, threadMode = ThreadMode.SEPARATE_THREAD)
class EngineTlsRenewalTest {
    private static final long T0 = 1_790_000_000_000_000_000L;
    private static final long T1 = T0 + 1_000_000_000L;
    private static final long T2 = T0 + 2_000_000_000L;
    private static final EngineProbe.Settings PROBES =
            new EngineProbe.Settings(Duration.ofSeconds(30), Duration.ofSeconds(5));

    /** Two sets, each of its own CA: made once (six RSA keys take seconds). */
    private static EngineCertificates a;
    private static EngineCertificates b;

    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines lines = LogLines.of(EngineTls.class);

    @BeforeAll
    static void certificates() throws Exception {
        a = new EngineCertificates();
        b = new EngineCertificates();
    }

    /**
     * Connected with set A, the files are replaced by set B (another CA, which the engine now requires, its own
     * certificate of it too) and the engine ends the stream: the next subscription gets the next event, and requests
     * on new connections of the pooled clients (ping, probe, info) are answered.
     */
    @Test
    void renewedFilesAreUsedByTheNextConnection() throws Exception {
        Path certs = a.writeClientFiles(dir.resolve("certs"));
        try (ScriptedEngine engine = new ScriptedEngine(List.of(event("before", T0)), "127.0.0.1",
                a.serverContext());
             EngineConnection connection = connect(engine, certs)) {
            engine.oneRequestAConnection();
            connection.ping();
            try (DockerHttpClient client = connection.eventsClient();
                 Response stream = connection.openEvents(client, CaptureLoop.sinceParameter(T0))) {
                BufferedReader events = reader(stream);
                assertThat(events.readLine()).contains("\"before\"");

                renew(certs, b, "ca.pem", "cert.pem", "key.pem");
                engine.tls(b.serverContext());
                engine.append(event("after", T1));
                engine.endStreams();
                assertThat(events.readLine()).as("the engine ended the stream").isNull();
            }
            assertTheNextSubscriptionGets(connection, T1, "after");
            connection.ping();
            connection.probe();
            assertThat(connection.identity().name()).isEqualTo("scripted");
        }
        assertThat(lines.messages(Level.INFO)).containsExactly("the TLS files of the Docker engine in " + certs
                + " changed: new connections to the engine use them");
        assertThat(lines.messages(Level.WARN)).isEmpty();
    }

    /**
     * A renewal under way: cert.pem of set B beside key.pem of set A, then key.pem gone. New connections keep set A,
     * which the engine still takes, said once; once the files are whole again (set B, now the engine's), they are used.
     */
    @Test
    void halfWrittenFilesLeaveThoseReadBeforeInUseSaidOnceAndAreTriedAgainAtTheNextConnection() throws Exception {
        Path certs = a.writeClientFiles(dir.resolve("certs"));
        try (ScriptedEngine engine = new ScriptedEngine(List.of(event("first", T0)), "127.0.0.1",
                a.serverContext());
             EngineConnection connection = connect(engine, certs)) {
            engine.oneRequestAConnection();
            connection.ping();

            renew(certs, b, "cert.pem");
            assertTheNextSubscriptionGets(connection, T0, "first");
            connection.ping();
            Files.delete(certs.resolve("key.pem"));
            connection.ping();
            assertThat(lines.messages(Level.WARN)).containsExactly("the TLS files of the Docker engine in " + certs
                    + " changed but make no TLS context (key.pem is not the key of the certificate in cert.pem): new "
                    + "connections to the engine keep those read before, tried again at each (a renewal under way, "
                    + "or files to fix if this lasts)");
            assertThat(lines.messages(Level.INFO)).isEmpty();

            renew(certs, b, "key.pem", "ca.pem");
            engine.tls(b.serverContext());
            engine.append(event("second", T2));
            assertTheNextSubscriptionGets(connection, T2, "second");
            connection.ping();
        }
        assertThat(lines.messages(Level.WARN)).hasSize(1);
        assertThat(lines.messages(Level.INFO)).containsExactly("the TLS files of the Docker engine in " + certs
                + " changed: new connections to the engine use them");
    }

    /** At start there is nothing to keep: a key that is not the certificate's is an error (exit 2) naming it. */
    @Test
    void aKeyThatIsNotTheCertificatesIsAnErrorAtStartThatARestartMayMend() throws Exception {
        Path certs = a.writeClientFiles(dir.resolve("certs"));
        renew(certs, b, "key.pem");
        EngineAddress address = new EngineAddress(URI.create("tcp://127.0.0.1:2375"), certs);
        // Not a configuration error (exit 2, never restarted): a start between the renewal's two writes sees this
        assertThatThrownBy(() -> new EngineConnection(address, PROBES)).isInstanceOf(
                EngineTls.FilesUnusableAtStart.class).isNotInstanceOf(ConfigurationError.class)
                .hasMessage("cannot load the TLS settings of the Docker engine from " + certs + ": key.pem is not the "
                        + "key of the certificate in cert.pem (exit 1, to be started again: a renewal under way ends; "
                        + "files to fix if this lasts)");
    }

    /** A key.pem that is not PEM: docker-java's failure has no words (its cause a NullPointerException): "null". */
    @Test
    void aKeyThatIsNotPemIsNamedNotSaidNull() throws Exception {
        Path certs = a.writeClientFiles(dir.resolve("junk"));
        Files.writeString(certs.resolve("key.pem"), "not a key\n");
        EngineAddress address = new EngineAddress(URI.create("tcp://127.0.0.1:2375"), certs);
        assertThatThrownBy(() -> new EngineConnection(address, PROBES)).isInstanceOf(
                EngineTls.FilesUnusableAtStart.class).hasMessageStartingWith("cannot load the TLS settings of the "
                        + "Docker engine from " + certs + ": ").hasMessageNotContaining(": null");
    }

    private static EngineConnection connect(ScriptedEngine engine, Path certs) {
        return new EngineConnection(new EngineAddress(URI.create(engine.dockerHost()), certs), PROBES);
    }

    /** A new events connection, from {@code since}: its first event is {@code id}'s. */
    private static void assertTheNextSubscriptionGets(EngineConnection connection, long since, String id)
            throws Exception {
        try (DockerHttpClient client = connection.eventsClient();
             Response stream = connection.openEvents(client, CaptureLoop.sinceParameter(since))) {
            assertThat(reader(stream).readLine()).contains("\"" + id + "\"");
        }
    }

    /** As a renewal writes them: each file of {@code set} made aside, then renamed over the one in use. */
    private void renew(Path certs, EngineCertificates set, String... names) throws Exception {
        Path aside = set.writeClientFiles(Files.createTempDirectory(dir, "renewal"));
        for (String name : names) {
            Files.move(aside.resolve(name), certs.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static BufferedReader reader(Response response) {
        return new BufferedReader(new InputStreamReader(response.getBody(), StandardCharsets.UTF_8));
    }

    private static ScriptedEngine.Event event(String id, long timeNano) {
        return new ScriptedEngine.Event(("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{}},\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L + ",\"timeNano\":"
                + timeNano + "}").getBytes(StandardCharsets.UTF_8), timeNano);
    }
}
