package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * What the real engine will not send, from an engine API the test scripts: invalid UTF-8, a NUL byte, nesting
 * 5,000 deep, a line that is not an event. Each bad event is published as its stand-in between the good ones, which
 * are published as they were sent; the listener keeps its one subscription.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class MalformedEventsTest {
    /** Now: the topic's 7-day retention would delete records timestamped earlier. */
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;

    @Test
    void eventsTheParserRefusesAreStandInsBetweenTheGoodOnesOnOneSubscription(SharedKafka.Broker broker)
            throws Exception {
        List<ScriptedEngine.Event> events = new ArrayList<>();
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            good.add(event("good-" + i, T0 + i * 10, "\"dwb.test\":\"true\""));
        }
        byte[] invalidUtf8 = event("bad-utf8", T0 + 1, "\"bad\":\"a__b\"").getBytes(StandardCharsets.UTF_8);
        int at = new String(invalidUtf8, StandardCharsets.UTF_8).indexOf("a__b") + 1;
        invalidUtf8[at] = (byte) 0xc3;
        invalidUtf8[at + 1] = (byte) 0x28;
        events.add(new ScriptedEngine.Event(good.get(0).getBytes(StandardCharsets.UTF_8), T0));
        events.add(new ScriptedEngine.Event(invalidUtf8, T0 + 1));
        events.add(new ScriptedEngine.Event(good.get(1).getBytes(StandardCharsets.UTF_8), T0 + 10));
        events.add(bytes(event("nul", T0 + 11, "\"nul\":\"a\u0000b\"")));
        events.add(new ScriptedEngine.Event("not an event {\"Type\":\"x\"}".getBytes(StandardCharsets.UTF_8),
                T0 + 12));
        events.add(new ScriptedEngine.Event(good.get(2).getBytes(StandardCharsets.UTF_8), T0 + 20));
        events.add(bytes(event("deep", T0 + 21, "\"deep\":" + "[".repeat(5_000) + "]".repeat(5_000))));
        events.add(new ScriptedEngine.Event(good.get(3).getBytes(StandardCharsets.UTF_8), T0 + 30));

        ListenerProcess listener = new ListenerProcess(broker);
        int metricsPort = ListenerProcess.freePort();
        try (ScriptedEngine engine = new ScriptedEngine(events);
             JavaProcess process = listener.startWithLauncherHeap("--docker-host", engine.dockerHost(),
                     "--metrics-port", String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(TopicView.read(broker, listener.topic).events()).hasSize(7));
            List<JsonNode> published = TopicView.read(broker, listener.topic).eventValues(e -> true);
            List<JsonNode> expectedGood = new ArrayList<>();
            for (String g : good) {
                expectedGood.add(ContractJson.tree(g.getBytes(StandardCharsets.UTF_8)));
            }
            assertThat(published).filteredOn(e -> !e.has("truncated")).containsExactlyElementsOf(expectedGood);
            assertThat(published).extracting(e -> e.path("Actor").path("ID").asText())
                    .containsExactly("good-0", "bad-utf8", "good-1", "nul", "good-2", "deep", "good-3");
            assertThat(published).filteredOn(e -> e.has("truncated")).allSatisfy(e -> {
                assertThat(e.get("truncated").asBoolean()).isTrue();
                assertThat(e.get("Type").asText()).isEqualTo("container");
                assertThat(e.get("Action").asText()).isEqualTo("create");
                assertThat(e.get("timeNano").asLong()).isBetween(T0, T0 + 30);
            });
            String metrics = ListenerProcess.http(metricsPort, "/metrics").getValue();
            assertThat(metrics).contains("dwb_listener_stand_ins_total{reason=\"malformed\"} 2.0")
                    .contains("dwb_listener_stand_ins_total{reason=\"parser-limit\"} 1.0")
                    .contains("dwb_listener_stand_ins_total{reason=\"not-an-event\"} 1.0")
                    .contains("dwb_listener_reconnects_total 0.0");
            assertThat(engine.subscriptions()).isEqualTo(1);
            assertThat(process.output()).doesNotContain("disconnected");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /** The engine's clock is read once, for a first start's {@code since}: one that is no time is retried. */
    @Test
    void anEngineClockThatIsNoTimeIsRetriedAsAnEngineAwayUntilItIsOne(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(bytes(event("after", T0, "\"a\":\"b\""))))) {
            engine.answerInfo("{\"ID\":\"CLOCKLESS\",\"Name\":\"scripted\",\"SystemTime\":\"soon\"}");
            try (JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> process.output().contains(
                        "SystemTime that is no time: 'soon'; reconnecting with backoff"));
                assertThat(process.isAlive()).isTrue();
                engine.answerInfo(null);
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(TopicView.read(broker, listener.topic).events()).hasSize(1));
                assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            }
        }
    }

    private static String event(String id, long timeNano, String attributes) {
        return "{\"status\":\"create\",\"id\":\"" + id + "\",\"Type\":\"container\",\"Action\":\"create\","
                + "\"Actor\":{\"ID\":\"" + id + "\",\"Attributes\":{" + attributes + "}},\"scope\":\"local\","
                + "\"time\":" + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}";
    }

    private static ScriptedEngine.Event bytes(String event) {
        byte[] b = event.getBytes(StandardCharsets.UTF_8);
        long timeNano = Long.parseLong(event.substring(event.lastIndexOf(':') + 1, event.length() - 1));
        return new ScriptedEngine.Event(b, timeNano);
    }
}
