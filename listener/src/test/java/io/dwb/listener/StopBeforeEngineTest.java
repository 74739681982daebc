package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM ({@code systemctl stop}) while the Docker engine has not answered the first ping yet (dockerd restarting
 * behind its socket: the socket takes the connection, nothing answers): the ping's failure was rethrown whatever the
 * stop, exit 1 with {@code error: cannot reach the Docker engine…}, and systemd marked the unit failed. It is a stop:
 * exit 0, nothing read. Here the engine hangs up 4 s after it took the connection (a real one that never answers is
 * given up on after the ping's 30 s, the same way).
 */
class StopBeforeEngineTest {
    private static final Duration HANGS_UP_AFTER = Duration.ofSeconds(4);

    @TempDir
    Path dir;

    @Test
    void aStopWhileTheEngineHasNotAnsweredYetIsAStopNotAFailure() throws Exception {
        Path socket = dir.resolve("docker.sock");
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocketChannel engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            engine.bind(UnixDomainSocketAddress.of(socket));
            Thread silent = new Thread(() -> {
                try {
                    while (true) {
                        SocketChannel connection = engine.accept(); // held, unanswered, then hung up on
                        accepted.incrementAndGet();
                        CompletableFuture.delayedExecutor(HANGS_UP_AFTER.toMillis(), TimeUnit.MILLISECONDS)
                                .execute(() -> close(connection));
                    }
                } catch (IOException e) {
                    // closed by the test's end
                }
            }, "silent-engine");
            silent.setDaemon(true);
            silent.start();
            ListenerProcess listener = new ListenerProcess("127.0.0.1:" + ListenerProcess.freePort());
            try (JavaProcess process = listener.start("--docker-host", "unix://" + socket)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> accepted.get() > 0 || !process.isAlive());

                assertThat(process.terminate(Duration.ofSeconds(60))).as(process.output()).isZero();
                assertThat(process.output()).contains("stopping: the Docker engine at unix://" + socket
                        + " had not answered yet").doesNotContain("error:");
            }
        }
    }

    private static void close(SocketChannel connection) {
        try {
            connection.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
