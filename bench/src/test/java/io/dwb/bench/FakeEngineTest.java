package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.RecordKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake engine answers what the listener asks, over a real Unix socket, as Engine 26 frames it. */
class FakeEngineTest {
    @TempDir
    Path dir;

    private final EventShapes shapes = new EventShapes(5, 1_795_000_000_000_000_000L, 1_000L);

    private FakeEngine engine(int events) throws Exception {
        byte[][] json = new byte[events][];
        long[] times = new long[events];
        for (int i = 0; i < events; i++) {
            json[i] = shapes.event(i);
            times[i] = shapes.timeNano(i);
        }
        return new FakeEngine(dir.resolve("engine.sock"), "bench-test", json, times);
    }

    @Test
    void eventsStreamSendsEachValidEventInItsOwnChunkFromSinceOnAndStaysOpen() throws Exception {
        try (FakeEngine engine = engine(5);
             SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("engine.sock")));
            String since = String.format("%d.%09d", shapes.timeNano(2) / 1_000_000_000L,
                    shapes.timeNano(2) % 1_000_000_000L);
            channel.write(ByteBuffer.wrap(("GET /events?since=" + since + " HTTP/1.1\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            // Three events (2, 3, 4) are due; the connection then stays open, so read until they are all here.
            ChunkedBody body = new ChunkedBody();
            readUntil(channel, body, 3, 10_000_000_000L);
            assertThat(body.head()).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked")
                    .containsIgnoringCase("content-type: application/json");
            List<String> chunks = body.chunks();
            assertThat(chunks).as(body.raw()).hasSize(3);
            ContractSchemas schemas = new ContractSchemas();
            for (int i = 0; i < 3; i++) {
                String chunk = chunks.get(i);
                assertThat(chunk).endsWith("\n").doesNotContain("\n{");
                JsonNode event = ContractJson.tree(chunk.getBytes(StandardCharsets.UTF_8));
                assertThat(schemas.validate(RecordKind.EVENT, event)).isEmpty();
                assertThat(event.get("timeNano").asLong()).isEqualTo(shapes.timeNano(2 + i));
            }
            assertThat(engine.written()).isEqualTo(3);
            assertThat(engine.subscriptions()).isEqualTo(1);
        }
    }

    @Test
    void aPacedEngineStreamsEachEventWhenTheClockReachesItsTime() throws Exception {
        long first = EpochClock.nowNanos() + 1_500_000_000L;
        EventShapes future = new EventShapes(6, first, 500_000_000L);
        byte[][] json = {future.event(0), future.event(1)};
        long[] times = {future.timeNano(0), future.timeNano(1)};
        try (FakeEngine engine = FakeEngine.paced(dir.resolve("paced.sock"), "bench-paced", json, times);
             SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("paced.sock")));
            channel.write(ByteBuffer.wrap("GET /events HTTP/1.1\r\nHost: docker\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ChunkedBody body = new ChunkedBody();
            ByteBuffer buffer = ByteBuffer.allocate(65536);
            long[] arrivals = new long[2];
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (body.chunks().size() < 2 && System.nanoTime() < deadline) {
                buffer.clear();
                int n = channel.read(buffer); // blocking: returns when the engine writes
                assertThat(n).as("the stream must stay open").isNotNegative();
                body.add(buffer.array(), n);
                for (int i = 0; i < body.chunks().size(); i++) {
                    if (arrivals[i] == 0) {
                        arrivals[i] = EpochClock.nowNanos();
                    }
                }
            }
            assertThat(body.chunks()).as(body.raw()).hasSize(2);
            assertThat(arrivals[0]).as("not before its time").isGreaterThanOrEqualTo(times[0]);
            assertThat(arrivals[1]).as("not before its time").isGreaterThanOrEqualTo(times[1]);
            assertThat(engine.written()).isEqualTo(2);
        }
    }

    @Test
    void eventsHeldBackAreStreamedStageByStageAsTheyAreReleased() throws Exception {
        byte[][] json = new byte[4][];
        long[] times = new long[4];
        for (int i = 0; i < 4; i++) {
            json[i] = shapes.event(i);
            times[i] = shapes.timeNano(i);
        }
        try (FakeEngine engine = new FakeEngine(dir.resolve("engine.sock"), "bench-test", json, times, 1, 3);
             SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("engine.sock")));
            channel.write(ByteBuffer.wrap("GET /events HTTP/1.1\r\nHost: docker\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ChunkedBody body = new ChunkedBody();
            readUntil(channel, body, 2, 1_000_000_000L); // a second event within 1 s would be one too many
            assertThat(body.chunks()).as("before the release: the first event only").hasSize(1);
            assertThat(engine.written()).isEqualTo(1);

            engine.release();
            readUntil(channel, body, 4, 1_000_000_000L);
            assertThat(body.chunks()).as("after the first release: the second stage, up to the third").hasSize(3);

            engine.release();
            readUntil(channel, body, 4, 10_000_000_000L);
            assertThat(body.chunks()).as("after the second release: all four, in order").hasSize(4);
            for (int i = 0; i < 4; i++) {
                assertThat(ContractJson.tree(body.chunks().get(i).getBytes(StandardCharsets.UTF_8))
                        .get("timeNano").asLong()).isEqualTo(shapes.timeNano(i));
            }
        }
    }

    /**
     * Reads until {@code chunks} chunks are in or {@code nanos} have passed (the stream never ends by itself),
     * waiting for data on a selector between reads: a bounded wait, never a hung test.
     */
    private static void readUntil(SocketChannel channel, ChunkedBody body, int chunks, long nanos)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        long end = System.nanoTime() + nanos;
        channel.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_READ);
            while (body.chunks().size() < chunks) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                if (selector.select(Math.max(1, left / 1_000_000L)) == 0) {
                    continue;
                }
                selector.selectedKeys().clear();
                buffer.clear();
                int n = channel.read(buffer);
                assertThat(n).as("the stream must stay open").isNotNegative();
                body.add(buffer.array(), n);
            }
        }
    }

    @Test
    void answersPingInfoVersionAndContainersWithTheEnginesShapes() throws Exception {
        try (FakeEngine engine = engine(1)) {
            assertThat(get("/_ping")).endsWith("\r\n\r\nOK");
            JsonNode info = json(get("/info"));
            assertThat(info.path("ID").asText()).startsWith("BENCH-");
            assertThat(info.path("Name").asText()).isEqualTo("bench-test");
            // The engine clock sits one second after the first event: a first start's since (now - 2 s) covers it.
            assertThat(ContractJson.epochNanos(java.time.Instant.parse(info.path("SystemTime").asText())))
                    .isEqualTo(shapes.timeNano(0) + 1_000_000_000L);
            assertThat(json(get("/v1.45/version")).path("ApiVersion").asText()).isEqualTo("1.45");
            assertThat(json(get("/containers/json?all=1")).isArray()).isTrue();
            assertThat(get("/nothing")).startsWith("HTTP/1.1 404");
        }
    }

    private String get(String path) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(dir.resolve("engine.sock")));
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            int n;
            while ((n = channel.read(buffer)) >= 0) {
                out.write(buffer.array(), 0, n);
                buffer.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static JsonNode json(String response) throws IOException {
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        return ContractJson.tree(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Accumulates a chunked HTTP response and splits it into its chunks (by the chunk-size lines). */
    private static final class ChunkedBody {
        private final ByteArrayOutputStream raw = new ByteArrayOutputStream();

        void add(byte[] data, int length) {
            raw.write(data, 0, length);
        }

        String raw() {
            return raw.toString(StandardCharsets.UTF_8);
        }

        String head() {
            String all = raw.toString(StandardCharsets.UTF_8);
            int end = all.indexOf("\r\n\r\n");
            return end < 0 ? all : all.substring(0, end);
        }

        List<String> chunks() {
            byte[] bytes = raw.toByteArray();
            String all = new String(bytes, StandardCharsets.ISO_8859_1);
            int pos = all.indexOf("\r\n\r\n");
            List<String> chunks = new ArrayList<>();
            if (pos < 0) {
                return chunks;
            }
            pos += 4;
            while (true) {
                int lineEnd = all.indexOf("\r\n", pos);
                if (lineEnd < 0) {
                    return chunks;
                }
                int size = Integer.parseInt(all.substring(pos, lineEnd).trim(), 16);
                // Jetty writes a chunk's closing CRLF in front of the next chunk: the data alone completes one.
                if (size == 0 || lineEnd + 2 + size > bytes.length) {
                    return chunks;
                }
                chunks.add(new String(bytes, lineEnd + 2, size, StandardCharsets.UTF_8));
                pos = lineEnd + 2 + size + 2;
            }
        }
    }

}
