package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine on a Unix socket that takes the connection and never answers (a hung dockerd): each request gives up
 * after its timeout, as on {@code tcp://}. docker-java's Unix socket reads through a channel, which its timeouts never
 * reached: the probe, the engine's clock before a resume and the start's ping waited for good, nothing said.
 */
class SilentUnixEngineTest {
    @TempDir
    Path dir;

    /** A socket that accepts every connection and holds it open, never writing. */
    private static final class SilentEngine implements AutoCloseable {
        private final ServerSocketChannel server;
        private final List<SocketChannel> held = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        SilentEngine(Path path) throws IOException {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            }, "silent-engine");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (SocketChannel channel : held) {
                channel.close();
            }
            acceptor.join(5_000);
        }
    }

    @Test
    @Timeout(60) // without a bound of its own, the probe waited for good
    void aProbeAndTheEnginesClockGiveUpAfterTheProbeTimeout() throws Exception {
        Path socket = dir.resolve("docker.sock");
        EngineProbe.Settings probe = new EngineProbe.Settings(Duration.ofSeconds(10), Duration.ofSeconds(1));
        try (SilentEngine engine = new SilentEngine(socket);
             EngineConnection connection = new EngineConnection(
                     EngineAddress.resolve("unix://" + socket, Map.of(), "/nonexistent-home"), probe)) {
            long start = System.nanoTime();
            assertThatThrownBy(connection::probe).isInstanceOf(EngineConnection.EngineUnavailable.class)
                    .hasMessage("the Docker engine at unix://" + socket + " went silent on GET /_ping for 1s (it "
                            + "took the connection: hung?)");
            assertThat(connection.engineNowNanosWithinProbeTimeout()).isEmpty();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("two probes' timeouts, not more")
                    .isLessThan(10_000);
            assertThat(engine.connections()).isEqualTo(2);
        }
    }
}
