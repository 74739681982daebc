package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The receiver counts every datagram sent to its real AF_UNIX socket and says when the target arrived. */
class DatagramCounterTest {
    @TempDir
    Path dir;

    @Test
    void countsEveryDatagramAndTimesTheTarget() throws Exception {
        AtomicLong observedBytes = new AtomicLong();
        try (DatagramCounter counter = new DatagramCounter(dir.resolve("q.sock"),
                (d, t) -> observedBytes.addAndGet(d.remaining()));
             AFUNIXDatagramChannel sender = AFUNIXDatagramChannel.open()) {
            counter.target(2_000);
            sender.connect(AFUNIXSocketAddress.of(counter.path()));
            byte[] datagram = "1:Wazuh-Docker:{}".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 2_000; i++) {
                sender.write(ByteBuffer.wrap(datagram));
            }
            long end = counter.awaitTarget(Duration.ofSeconds(30), () -> true);
            assertThat(end).isGreaterThanOrEqualTo(counter.firstNanos());
            assertThat(counter.count()).isEqualTo(2_000);
            assertThat(counter.first()).isEqualTo(datagram);
            assertThat(observedBytes.get()).isEqualTo(2_000L * datagram.length);
        }
    }

    @Test
    void reportsHowManyArrivedWhenTheSenderStopsShort() throws Exception {
        try (DatagramCounter counter = new DatagramCounter(dir.resolve("q.sock"), null);
             AFUNIXDatagramChannel sender = AFUNIXDatagramChannel.open()) {
            counter.target(10);
            sender.connect(AFUNIXSocketAddress.of(counter.path()));
            for (int i = 0; i < 3; i++) {
                sender.write(ByteBuffer.wrap(new byte[] {'x'}));
            }
            assertThatThrownBy(() -> counter.awaitTarget(Duration.ofMillis(300), () -> true))
                    .hasMessageContaining("only 3 of 10");
        }
    }
}
