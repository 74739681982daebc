package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
}
