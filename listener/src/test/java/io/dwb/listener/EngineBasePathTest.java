package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A path in a {@code tcp://} address ({@code tcp://host:port/prefix}, the docker CLI's API base path, as behind a
 * gateway routing by path) prefixes every request to the engine, the events subscription's as docker-java's
 * {@code /_ping}, {@code /info} and {@code /containers/json}. The events connection ({@link KeepAliveEventsClient})
 * asked {@code GET /events} of host and port only: a 404 retried forever, capture never began. An in-process engine
 * API ({@link ScriptedEngine}), no broker.
 */
class EngineBasePathTest {
    private static final EngineProbe.Settings PROBE =
            new EngineProbe.Settings(Duration.ofSeconds(10), Duration.ofSeconds(5));
    private static final long T0 = 1_790_000_000_000_000_000L;

    @Test
    void theEventsOfAnEngineUnderABasePathAreAskedUnderIt_sinceIncluded() throws Exception {
        List<ScriptedEngine.Event> events = List.of(event("before-since", T0), event("after-since", T0 + 2_000));
        try (ScriptedEngine engine = ScriptedEngine.underPath(events, "/prefix")) {
            assertThat(engine.dockerHost()).endsWith("/prefix");
            // A trailing slash is not doubled: /prefix/events, as docker-java asks.
            for (String given : List.of(engine.dockerHost(), engine.dockerHost() + "/")) {
                EngineAddress address = EngineAddress.resolve(given, Map.of(), "/nonexistent-home");
                try (EngineConnection connection = new EngineConnection(address, PROBE)) {
                    connection.ping();
                    connection.probe();
                    assertThat(connection.identity().name()).as(given).isEqualTo("scripted");
                    assertThat(connection.engineNowNanosWithinProbeTimeout()).as(given).isPresent();
                    List<EngineConnection.Container> containers = new ArrayList<>();
                    connection.containers(1 << 20, containers::add);
                    assertThat(containers).as(given).isEmpty();

                    EventQueue queue = new EventQueue(100, EventQueue.DEFAULT_BYTES);
                    EventStream stream = new EventStream(connection, CaptureLoop.sinceParameter(T0 + 1_000),
                            new EventSplitter("host-1", 1 << 20), queue, n -> { }, PROBE,
                            new QueueFullReport(LoggerFactory.getLogger(EventStream.class), System::nanoTime));
                    stream.start(); // threw "GET /events answered 404" before
                    try {
                        List<CapturedEvent> read = new ArrayList<>();
                        queue.drainTo(read, 10, 10_000);
                        assertThat(read).as(given + ", the stream's end: " + stream.end()).hasSize(1);
                        assertThat(new String(read.get(0).json(), StandardCharsets.UTF_8)).as(given)
                                .contains("\"after-since\"");
                        assertThat(stream.connected()).as(given).isTrue();
                    } finally {
                        stream.stop();
                    }
                }
            }
            assertThat(engine.subscriptions()).isEqualTo(2);
        }
    }

    @Test
    void thePrefixIsDockerJavasRawPathWithoutOneTrailingSlash() {
        assertThat(KeepAliveEventsClient.pathPrefix(URI.create("tcp://engine.example:2375"))).isEmpty();
        assertThat(KeepAliveEventsClient.pathPrefix(URI.create("tcp://engine.example:2375/"))).isEmpty();
        assertThat(KeepAliveEventsClient.pathPrefix(URI.create("tcp://engine.example:2375/prefix")))
                .isEqualTo("/prefix");
        assertThat(KeepAliveEventsClient.pathPrefix(URI.create("tcp://[fd00::2]:2375/a/b/"))).isEqualTo("/a/b");
        assertThat(KeepAliveEventsClient.pathPrefix(URI.create("tcp://engine.example:2375/a%20b")))
                .isEqualTo("/a%20b");
    }

    private static ScriptedEngine.Event event(String id, long timeNano) {
        return new ScriptedEngine.Event(("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"" + id
                + "\",\"Attributes\":{}},\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L
                + ",\"timeNano\":" + timeNano + "}").getBytes(StandardCharsets.UTF_8), timeNano);
    }
}
