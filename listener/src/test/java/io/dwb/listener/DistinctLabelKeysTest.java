package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Label keys are chosen by whoever runs a container, and each event may bring new ones. The splitter's parser lives
 * as long as its subscription and used to keep every field name it had read (Jackson's name table): 40 events of
 * 50 distinct 30,000-character keys each (60 MB of names, each event over the size limit, so only stand-ins reach
 * Kafka) ran the launcher's 64 MB heap out, and the listener exited; each new subscription met more such events.
 */
@ExtendWith(SharedKafka.class)
class DistinctLabelKeysTest {
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;
    private static final int EVENTS = 40;

    @Test
    void eventsWithNewLongLabelKeysEachDoNotFillTheHeap(SharedKafka.Broker broker) throws Exception {
        List<ScriptedEngine.Event> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            StringBuilder labels = new StringBuilder();
            for (int k = 0; k < 50; k++) {
                labels.append(k == 0 ? "" : ",").append('"').append(String.format("%05d-%02d-", i, k))
                        .append("k".repeat(30_000)).append("\":\"v\"");
            }
            events.add(event("keys-" + i, T0 + i, labels.toString()));
        }
        events.add(event("last", T0 + EVENTS, "\"dwb.test\":\"true\""));

        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(events);
             JavaProcess process = listener.startWithLauncherHeap("--docker-host", engine.dockerHost())) {
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                assertThat(process.isAlive()).as("alive; output:\n" + process.output()).isTrue();
                assertThat(TopicView.read(broker, listener.topic).events()).hasSize(EVENTS + 1);
            });
            List<JsonNode> published = TopicView.read(broker, listener.topic).eventValues(e -> true);
            assertThat(published.subList(0, EVENTS)).allSatisfy(e -> assertThat(e.path("truncated").asBoolean())
                    .isTrue());
            assertThat(published.get(EVENTS).path("Actor").path("ID").asText()).isEqualTo("last");
            assertThat(engine.subscriptions()).as("one subscription throughout").isEqualTo(1);
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    private static ScriptedEngine.Event event(String id, long timeNano, String attributes) {
        String json = "{\"status\":\"create\",\"id\":\"" + id + "\",\"Type\":\"container\",\"Action\":\"create\","
                + "\"Actor\":{\"ID\":\"" + id + "\",\"Attributes\":{" + attributes + "}},\"scope\":\"local\","
                + "\"time\":" + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}";
        return new ScriptedEngine.Event(json.getBytes(StandardCharsets.UTF_8), timeNano);
    }
}
