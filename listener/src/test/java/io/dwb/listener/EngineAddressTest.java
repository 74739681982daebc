package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** --docker-host, DOCKER_HOST and the TLS variables, read as the docker CLI reads them (docker 28 checked). */
class EngineAddressTest {
    private static final String NO_HOME = "/nonexistent-home";

    @RegisterExtension
    final LogLines logged = LogLines.of(EngineAddress.class);

    private static String resolved(String option, String... env) {
        return resolve(option, env).uri().toString();
    }

    private static EngineAddress resolve(String option, String... env) {
        Map<String, String> variables = new HashMap<>();
        for (int i = 0; i < env.length; i += 2) {
            variables.put(env[i], env[i + 1]);
        }
        return EngineAddress.resolve(option, variables, NO_HOME);
    }

    @Test
    void aTcpAddressWithoutAPortIsPort2375WithTlsAsWithout(@TempDir Path certs) throws IOException {
        assertThat(resolved("tcp://engine.example")).isEqualTo("tcp://engine.example:2375");
        assertThat(resolved("tcp://10.0.0.5:")).isEqualTo("tcp://10.0.0.5:2375");
        assertThat(resolved("tcp://[::1]")).isEqualTo("tcp://[::1]:2375");
        assertThat(resolved("tcp://[fd00::2]/prefix")).isEqualTo("tcp://[fd00::2]:2375/prefix");
        assertThat(resolved("tcp://")).isEqualTo("tcp://localhost:2375");
        assertThat(resolved("tcp://:2377")).isEqualTo("tcp://localhost:2377");
        writeTlsFiles(certs);
        EngineAddress tls = resolve("tcp://engine.example", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", certs.toString());
        assertThat(tls.uri().toString()).isEqualTo("tcp://engine.example:2375");
        assertThat(tls.tlsDirectory()).isEqualTo(certs);
    }

    /** An engine off this host read without TLS is said at start; one on this host, or with TLS, is not. */
    @Test
    void aTcpEngineOffThisHostWithoutTlsIsSaid(@TempDir Path certs) throws IOException {
        resolve("tcp://127.0.0.1:2375");
        resolve("tcp://localhost");
        resolve("tcp://[::1]");
        resolve("unix:///var/run/docker.sock");
        writeTlsFiles(certs);
        resolve("tcp://engine.example", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        assertThat(logged.messages("read without TLS")).isEmpty();

        resolve("tcp://engine.example");
        assertThat(logged.messages("read without TLS")).singleElement().asString()
                .startsWith("the Docker engine at tcp://engine.example:2375 is read without TLS")
                .contains("DOCKER_TLS_VERIFY=1");
    }

    @Test
    void aGivenPortOrSocketIsKept() {
        assertThat(resolved("tcp://engine.example:2376")).isEqualTo("tcp://engine.example:2376");
        assertThat(resolved("tcp://[::1]:12345")).isEqualTo("tcp://[::1]:12345");
        assertThat(resolved(" unix:///run/user/1000/docker.sock ")).isEqualTo("unix:///run/user/1000/docker.sock");
        assertThat(resolved("unix://")).isEqualTo("unix:///var/run/docker.sock");
    }

    @Test
    void theOptionElseDockerHostElseTheSocketAndNoContext() {
        assertThat(resolved("tcp://a:1", "DOCKER_HOST", "tcp://b:2")).isEqualTo("tcp://a:1");
        assertThat(resolved(null, "DOCKER_HOST", "tcp://b:2")).isEqualTo("tcp://b:2");
        assertThat(resolved(" ", "DOCKER_HOST", "tcp://b:2")).isEqualTo("tcp://b:2");
        assertThat(resolved(null, "DOCKER_HOST", "", "DOCKER_CONTEXT", "remote"))
                .isEqualTo("unix:///var/run/docker.sock");
        assertThat(resolved(null)).isEqualTo("unix:///var/run/docker.sock");
    }

    /**
     * The docker CLI's context (a rootless engine, Docker Desktop's) is not followed, and a WARN says so at start: the
     * listener read /var/run/docker.sock without a word, maybe another engine than its user's CLI.
     */
    @Test
    void aContextTheCliWouldFollowIsSaidNotFollowed(@TempDir Path config) throws IOException {
        resolve(null, "DOCKER_CONTEXT", "default");
        resolve("unix:///run/user/1000/docker.sock", "DOCKER_CONTEXT", "rootless");
        assertThat(logged.messages("is not followed")).isEmpty();
        resolve(null, "DOCKER_CONTEXT", "rootless");
        assertThat(logged.messages("is not followed")).singleElement().asString().isEqualTo("the docker CLI's "
                + "context rootless (DOCKER_CONTEXT) is not followed: the listener reads the engine at "
                + "unix:///var/run/docker.sock; give that context's address with --docker-host or DOCKER_HOST "
                + "(docker context inspect rootless), or unset it");
        logged.clear();
        Files.writeString(config.resolve("config.json"), "{\"auths\":{},\"currentContext\":\"desktop-linux\"}");
        resolve(null, "DOCKER_CONFIG", config.toString());
        assertThat(logged.messages("is not followed")).singleElement().asString().contains("context desktop-linux "
                + "(currentContext in " + config.resolve("config.json") + ")");
    }

    @Test
    void addressesTheListenerCannotUseAreConfigurationErrors() {
        assertThatThrownBy(() -> resolve("ssh://dwb@engine.example")).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("--docker-host ssh://dwb@engine.example: ssh:// is not supported")
                .hasMessageContaining("ssh -NL /run/dwb/engine.sock:/var/run/docker.sock dwb@engine.example")
                .hasMessageContaining("unix:///run/dwb/engine.sock").hasMessageContaining("tcp:// with TLS");
        assertThatThrownBy(() -> resolve(null, "DOCKER_HOST", "ssh://engine.example"))
                .hasMessageStartingWith("DOCKER_HOST ssh://engine.example: ssh:// is not supported");
        for (String bad : new String[] {"npipe:////./pipe/docker_engine", "http://engine.example:2375",
                "engine.example:2375", "/var/run/docker.sock"}) {
            assertThatThrownBy(() -> resolve(bad)).as(bad).isInstanceOf(ConfigurationError.class)
                    .hasMessage("--docker-host " + bad + ": not an engine address: give unix:///path/to/docker.sock "
                            + "or tcp://host[:port]");
        }
        for (String bad : new String[] {"tcp://engine.example:http", "tcp://engine.example:0",
                "tcp://engine.example:65536", "tcp://::1", "tcp://[::1", "tcp://[::1]2375", "unix://docker.sock"}) {
            assertThatThrownBy(() -> resolve(bad)).as(bad).isInstanceOf(ConfigurationError.class)
                    .hasMessageStartingWith("--docker-host " + bad + ": not a");
        }
    }

    /**
     * A Compose service's name often has a '_', which Go's URL parser (the docker CLI's) takes and docker-java's
     * (java.net.URI) does not: it was refused as "not a host and port", which sent the reader to the port.
     */
    @Test
    void aHostNameWithAnUnderscoreIsRefusedSayingWhyAndWhatToGiveInstead() {
        assertThatThrownBy(() -> resolve(null, "DOCKER_HOST", "tcp://docker_proxy:2375"))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("DOCKER_HOST tcp://docker_proxy:2375: not a host name the listener can connect to: "
                        + "'docker_proxy' has a '_', which a host name cannot have (RFC 1123: letters, digits, '-' "
                        + "and '.'); name the engine by its IP address or by an alias without '_' (with Compose, a "
                        + "network alias of its service: networks: <network>: aliases: [docker-proxy])");
        assertThatThrownBy(() -> resolve("tcp://-engine.example")).hasMessage("--docker-host tcp://-engine.example: "
                + "not a host name: '-engine.example' (RFC 1123: labels of letters, digits and '-', not beginning or "
                + "ending with '-', separated by single dots) nor an IP address (an IPv6 one is written [::1])");
        assertThatThrownBy(() -> resolve("tcp://docker_proxy:http"))
                .hasMessage("--docker-host tcp://docker_proxy:http: not a port: 'http' (tcp://host:port, from 1 to "
                        + "65535)");
        assertThat(resolved("tcp://docker-proxy")).isEqualTo("tcp://docker-proxy:2375");
    }

    /** The docker CLI takes a socket's path as it is written: no escapes, no fragment, no query. */
    @Test
    void aSocketsPathIsTakenLiterally() {
        EngineAddress address = resolve("unix:///run/a #b?c%20d.sock");
        assertThat(address.uri().getPath()).as("what docker-java opens").isEqualTo("/run/a #b?c%20d.sock");
        assertThat(address).hasToString("unix:///run/a #b?c%20d.sock");
    }

    /** The docker CLI: TLS whenever DOCKER_TLS_VERIFY is not empty; docker-java took only 1 and true. */
    @Test
    void anyValueOfDockerTlsVerifyTurnsTlsOnForTcp(@TempDir Path certs) throws IOException {
        writeTlsFiles(certs);
        for (String value : new String[] {"1", "true", "yes", "0", "false"}) {
            assertThat(resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", value, "DOCKER_CERT_PATH", certs.toString())
                    .tlsDirectory()).as(value).isEqualTo(certs);
        }
        assertThat(resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", "", "DOCKER_CERT_PATH", certs.toString()).tls())
                .isFalse();
        assertThat(resolve("tcp://e:2376", "DOCKER_CERT_PATH", certs.toString()).tls()).isFalse();
        // A socket is a file: no TLS, and no files looked for.
        assertThat(resolve("unix:///var/run/docker.sock", "DOCKER_TLS_VERIFY", "1").tls()).isFalse();
    }

    /** The docker CLI's DOCKER_TLS (TLS, the engine not verified): ignored, the listener spoke plain HTTP. */
    @Test
    void dockerTlsWithoutVerifyIsRefusedNotPlainHttp() {
        assertThatThrownBy(() -> resolve("tcp://e:2376", "DOCKER_TLS", "1")).isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("DOCKER_TLS is set without DOCKER_TLS_VERIFY: TLS that does not verify the "
                        + "engine's certificate is not supported");
        assertThat(resolve("unix:///var/run/docker.sock", "DOCKER_TLS", "1").tls()).as("a socket: no TLS").isFalse();
    }

    @Test
    void theFilesAreDockerCertPathElseDockerConfigElseDotDockerInTheHome(@TempDir Path dir) throws IOException {
        Path certPath = writeTlsFiles(dir.resolve("cert-path"));
        Path config = writeTlsFiles(dir.resolve("config"));
        Path home = dir.resolve("home");
        writeTlsFiles(home.resolve(".docker"));
        assertThat(resolve("tcp://e", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certPath.toString(),
                "DOCKER_CONFIG", config.toString(), "HOME", home.toString()).tlsDirectory()).isEqualTo(certPath);
        assertThat(resolve("tcp://e", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", "",
                "DOCKER_CONFIG", config.toString(), "HOME", home.toString()).tlsDirectory()).isEqualTo(config);
        assertThat(resolve("tcp://e", "DOCKER_TLS_VERIFY", "1", "HOME", home.toString()).tlsDirectory())
                .isEqualTo(home.resolve(".docker"));
        assertThat(EngineAddress.resolve("tcp://e", Map.of("DOCKER_TLS_VERIFY", "1"), home.toString())
                .tlsDirectory()).as("no HOME: the user's home").isEqualTo(home.resolve(".docker"));
    }

    /** docker-java made no TLS at all when a file was missing: the engine was spoken to in plain HTTP. */
    @Test
    void tlsWithAFileMissingIsAConfigurationErrorNamingIt(@TempDir Path certs) throws IOException {
        writeTlsFiles(certs);
        Files.delete(certs.resolve("key.pem"));
        assertThatThrownBy(() -> resolve("tcp://e", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString()))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("DOCKER_TLS_VERIFY is set but " + certs.resolve("key.pem") + " is missing");
        assertThatThrownBy(() -> resolve("tcp://e", "DOCKER_TLS_VERIFY", "1"))
                .hasMessageStartingWith("DOCKER_TLS_VERIFY is set but " + NO_HOME + "/.docker/ca.pem is missing");
    }

    /**
     * Whoever writes ca.pem chooses the engine the listener trusts; whoever holds key.pem is the listener to the
     * engine, whose API is root on its host. Said at start, not refused, as for the Kafka client configuration's files.
     */
    @Test
    void tlsFilesOthersMayWriteAndAKeyOthersMayReadAreSaidNamingTheFileAndTheFix(@TempDir Path certs)
            throws IOException {
        writeTlsFiles(certs);
        mode(certs.resolve("ca.pem"), "rw-rw-r--");
        mode(certs.resolve("cert.pem"), "rw-r--rw-");
        mode(certs.resolve("key.pem"), "rw-r--r--");
        resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        assertThat(warnings()).hasSize(3);
        assertThat(warnings().get(0)).isEqualTo("the Docker engine's CA " + certs.resolve("ca.pem") + " may be "
                + "written by its group (rw-rw-r--): whoever writes it chooses the engine this process trusts, and so "
                + "the events it takes for the engine's: chmod go-w " + certs.resolve("ca.pem"));
        assertThat(warnings().get(1)).startsWith("the Docker engine's client certificate " + certs.resolve("cert.pem")
                + " may be written by every user of this host (rw-r--rw-)")
                .endsWith("chmod go-w " + certs.resolve("cert.pem"));
        assertThat(warnings().get(2)).isEqualTo("the Docker engine's client key " + certs.resolve("key.pem")
                + " may be read by every user of this host (rw-r--r--): whoever holds it is this process to the "
                + "engine, whose API is root on its host: chmod 600 " + certs.resolve("key.pem"));
        logged.clear();
        mode(certs.resolve("ca.pem"), "rw-r--r--");
        mode(certs.resolve("cert.pem"), "rw-r--r--");
        for (String keyMode : new String[] {"rw-r-----", "rw--w----", "rw-rw----", "rw-r---w-"}) {
            mode(certs.resolve("key.pem"), keyMode);
            resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        }
        assertThat(warnings()).containsExactly(
                "the Docker engine's client key " + certs.resolve("key.pem") + " may be read by its group "
                        + "(rw-r-----): whoever holds it is this process to the engine, whose API is root on its "
                        + "host: chmod 600 " + certs.resolve("key.pem"),
                "the Docker engine's client key " + certs.resolve("key.pem") + " may be written by its group "
                        + "(rw--w----): whoever holds it is this process to the engine, whose API is root on its "
                        + "host: chmod 600 " + certs.resolve("key.pem"),
                "the Docker engine's client key " + certs.resolve("key.pem") + " may be read and written by its "
                        + "group (rw-rw----): whoever holds it is this process to the engine, whose API is root on "
                        + "its host: chmod 600 " + certs.resolve("key.pem"),
                "the Docker engine's client key " + certs.resolve("key.pem") + " may be written by every user of "
                        + "this host (rw-r---w-): whoever holds it is this process to the engine, whose API is root "
                        + "on its host: chmod 600 " + certs.resolve("key.pem"));
    }

    /** The docker CLI's own modes: ca.pem and cert.pem 0444 (readable by all: public), key.pem 0400. */
    @Test
    void tlsFilesOnlyTheirOwnerMayWriteAndAKeyOnlyItsOwnerMayReadAreNotSaid(@TempDir Path certs) throws IOException {
        writeTlsFiles(certs);
        mode(certs.resolve("ca.pem"), "r--r--r--");
        mode(certs.resolve("cert.pem"), "rw-r--r--");
        mode(certs.resolve("key.pem"), "r--------");
        resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        mode(certs.resolve("key.pem"), "rw-------");
        resolve("tcp://e:2376", "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString());
        assertThat(warnings()).isEmpty();
    }

    private List<String> warnings() {
        return logged.messages();
    }

    private static void mode(Path file, String mode) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    private static Path writeTlsFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String name : EngineAddress.TLS_FILES) {
            Files.writeString(dir.resolve(name), "not read here");
        }
        return dir;
    }
}
