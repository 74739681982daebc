package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An answer other than 200 is quoted in the error, and so in each retry's log line. The engine's own is a short JSON
 * message; a gateway or proxy in front of it may answer a page of HTML, which was read whole and quoted whole, its
 * lines and all. An in-process engine API ({@link ScriptedEngine}), no broker.
 */
class EngineRefusalTest {
    private static final EngineProbe.Settings PROBE =
            new EngineProbe.Settings(Duration.ofSeconds(10), Duration.ofSeconds(5));

    @Test
    void aGatewaysErrorPageIsQuotedByItsStartOnOneLine() throws Exception {
        String page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n"
                + "<p>upstream unreachable</p>\n".repeat(40_000) + "</body></html>\n";
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            engine.refuse(new ScriptedEngine.Refusal(502, page.getBytes(StandardCharsets.UTF_8)));
            EngineAddress address = EngineAddress.resolve(engine.dockerHost(), Map.of(), "/nonexistent-home");
            try (EngineConnection connection = new EngineConnection(address, PROBE)) {
                assertThatThrownBy(connection::ping).isInstanceOf(EngineConnection.EngineUnavailable.class)
                        .hasMessage("GET /_ping answered 502: " + oneLine(page) + "...");
                assertThatThrownBy(() -> connection.openEvents(connection.eventsClient(), "0"))
                        .isInstanceOf(EngineConnection.EngineUnavailable.class)
                        .hasMessage("GET /events answered 502: " + oneLine(page) + "...");
            }
            engine.refuse(new ScriptedEngine.Refusal(500,
                    "{\"message\":\"a short answer\"}\n".getBytes(StandardCharsets.UTF_8)));
            try (EngineConnection connection = new EngineConnection(address, PROBE)) {
                assertThatThrownBy(connection::info)
                        .hasMessage("GET /info answered 500: {\"message\":\"a short answer\"}");
            }
        }
    }

    /**
     * A body without end: its start is quoted and the response closed at once. Closing the body first read the rest
     * of it, for as long as it came (the response timeout never fires while bytes flow): the start, or --check, held.
     */
    @Test
    void aRefusalWhoseBodyNeverEndsIsQuotedByItsStartWithoutWaitingForTheRest() throws Exception {
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            engine.refuse(new ScriptedEngine.Refusal(502, "<p>upstream unreachable</p>\n".repeat(100)
                    .getBytes(StandardCharsets.UTF_8), true));
            EngineAddress address = EngineAddress.resolve(engine.dockerHost(), Map.of(), "/nonexistent-home");
            try (EngineConnection connection = new EngineConnection(address, PROBE)) {
                java.util.concurrent.CompletableFuture<Throwable> ping = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {
                                connection.ping();
                                return null;
                            } catch (RuntimeException e) {
                                return e;
                            }
                        });
                assertThat(ping.get(20, java.util.concurrent.TimeUnit.SECONDS))
                        .isInstanceOf(EngineConnection.EngineUnavailable.class)
                        .hasMessageStartingWith("GET /_ping answered 502: <p>upstream unreachable</p>\\n");
                assertThatThrownBy(() -> connection.openEvents(connection.eventsClient(), "0"))
                        .hasMessageStartingWith("GET /events answered 502: ");
            }
        }
    }

    /** The page's first bytes as quoted: its line breaks escaped. */
    private static String oneLine(String page) {
        return page.substring(0, EngineConnection.QUOTED_BODY_BYTES).replace("\n", "\\n");
    }
}
