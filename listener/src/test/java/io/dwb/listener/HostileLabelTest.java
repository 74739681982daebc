package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.HostConfig;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Labels anyone who starts a container chooses, on the real engine, with the listener in bin/listener's 64 MB heap:
 * a label key longer than the JSON parser's 50,000-character name limit, and a 4 MB label value. Their events are
 * published as stand-ins that still say which container and image they were (the engine's {@code name} and {@code
 * image}, not the labels called so), the events of a container started after them are published as they are, and
 * the listener never drops its subscription for them.
 */
@ExtendWith(SharedKafka.class)
class HostileLabelTest {

    @Test
    void eventsWithALabelKeyOverTheParsersLimitOrAHugeValueAreStandInsAndCaptureGoesOn(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String longKey = TestEngine.uniqueName("long-key");
        String hugeValue = TestEngine.uniqueName("huge-value");
        String after = TestEngine.uniqueName("after-hostile");
        int metricsPort = ListenerProcess.freePort();
        try (TestEngine engine = new TestEngine();
             JavaProcess process = listener.startWithLauncherHeap("--metrics-port", String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            long since = engine.engineNowNanos();
            String longKeyId;
            String hugeValueId;
            long afterSince;
            try {
                // The engine writes attributes in key order, the parser refuses the long key: name comes after it.
                // Labels called name and image: the engine sets its own after copying the labels in.
                longKeyId = create(engine, longKey, Map.of("dwb.test", "true", "k".repeat(60_000), "v",
                        "name", "not-the-container", "image", "not/the-image"));
                hugeValueId = create(engine, hugeValue, Map.of("dwb.test", "true", "huge", "x".repeat(4_000_000)));
                afterSince = engine.engineNowNanos();
                engine.startSleeper(after);
            } finally {
                engine.removeQuietly(longKey);
                engine.removeQuietly(hugeValue);
                engine.removeQuietly(after);
            }
            long until = engine.engineNowNanos();
            // Read from the engine only after the hostile ones: the test's own client cannot parse theirs either.
            List<JsonNode> afterEvents = engine.events(afterSince, until).stream()
                    .filter(TopicView.named(after)).toList();
            assertThat(afterEvents).as("create, start, kill, die, destroy...").hasSizeGreaterThanOrEqualTo(3);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                TopicView view = TopicView.read(broker, listener.topic);
                assertThat(view.eventValues(afterEvents::contains)).as("the events of the container after them")
                        .containsExactlyElementsOf(afterEvents);
                for (Map.Entry<String, String> container : Map.of(longKeyId, longKey, hugeValueId, hugeValue)
                        .entrySet()) {
                    String id = container.getKey();
                    List<JsonNode> standIns = view.eventValues(e -> e.path("Actor").path("ID").asText().equals(id));
                    assertThat(standIns).as("the events of %s", id).extracting(e -> e.get("Action").asText())
                            .containsExactly("create", "destroy");
                    assertThat(standIns).allSatisfy(e -> {
                        assertThat(e.get("truncated").asBoolean()).isTrue();
                        assertThat(e.get("Type").asText()).isEqualTo("container");
                        assertThat(e.get("timeNano").asLong()).isBetween(since, until);
                        assertThat(e.get("originalSize").asLong()).isGreaterThan(60_000);
                        assertThat(e.path("Actor").path("Attributes")).as("only the engine's name and image")
                                .isEqualTo(ContractJson.MAPPER.createObjectNode().put("image", TestEngine.BUSYBOX)
                                        .put("name", container.getValue()));
                    });
                }
            });
            assertThat(process.output()).as("one subscription, never dropped")
                    .doesNotContain("disconnected").contains("parser-limit").contains("too-large");
            String metrics = ListenerProcess.http(metricsPort, "/metrics").getValue();
            assertThat(metrics).contains("dwb_listener_stand_ins_total{reason=\"parser-limit\"}")
                    .contains("dwb_listener_stand_ins_total{reason=\"too-large\"}")
                    .contains("dwb_listener_reconnects_total 0.0");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /** Creates and removes a container: its create and destroy events carry the labels. */
    private static String create(TestEngine engine, String name, Map<String, String> labels) {
        String id = engine.client().createContainerCmd(TestEngine.BUSYBOX).withName(name).withCmd("true")
                .withLabels(labels).withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
        engine.client().removeContainerCmd(id).exec();
        return id;
    }
}
