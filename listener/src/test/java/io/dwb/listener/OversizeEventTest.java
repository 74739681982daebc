package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.HostConfig;
import io.dwb.schemas.EventId;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An event larger than Kafka takes (a container with a 1.1 MB label: the engine copies labels into every event of
 * the container) is published as a stand-in with its identity and {@code truncated: true}; it does not block the
 * events after it, and nothing is retried forever.
 */
@ExtendWith(SharedKafka.class)
class OversizeEventTest {

    @Test
    void eventsOverKafkasLimitArePublishedAsStandInsAndTheStreamGoesOn(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String big = TestEngine.uniqueName("oversize");
        String after = TestEngine.uniqueName("after-oversize");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            long since = engine.engineNowNanos();
            try {
                String id = engine.client().createContainerCmd(TestEngine.BUSYBOX).withName(big)
                        .withCmd("true").withLabels(Map.of("dwb.test", "true", "huge", "x".repeat(1_100_000)))
                        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
                engine.client().removeContainerCmd(id).exec();
                engine.startSleeper(after);
            } finally {
                engine.removeQuietly(big);
                engine.removeQuietly(after);
            }
            List<JsonNode> reported = engine.events(since, engine.engineNowNanos());
            List<JsonNode> bigEvents = reported.stream().filter(TopicView.named(big)).toList();
            assertThat(bigEvents).as("create and destroy, each over 1 MB").hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(e -> assertThat(e.toString().length()).isGreaterThan(1_100_000));
            List<JsonNode> afterEvents = reported.stream().filter(TopicView.named(after)).toList();

            HostIdentity host = listener.identity();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                TopicView view = TopicView.read(broker, listener.topic);
                assertThat(view.eventValues(afterEvents::contains)).as("the events after the big ones")
                        .containsExactlyElementsOf(afterEvents);
                for (JsonNode e : bigEvents) {
                    String eventId = EventId.of(host.id(), e);
                    List<TopicView.Published> published = view.events().stream()
                            .filter(p -> p.eventId().equals(eventId)).toList();
                    assertThat(published).as("%s published once", e.get("Action")).hasSize(1);
                    JsonNode standIn = published.get(0).value();
                    assertThat(standIn.get("truncated").asBoolean()).isTrue();
                    assertThat(standIn.get("originalSize").asLong()).isGreaterThan(1_100_000);
                    assertThat(standIn.get("Action")).isEqualTo(e.get("Action"));
                    assertThat(standIn.get("timeNano")).isEqualTo(e.get("timeNano"));
                    assertThat(standIn.path("Actor").get("ID")).isEqualTo(e.path("Actor").get("ID"));
                    assertThat(EventId.of(host.id(), standIn)).as("the stand-in keeps the event id")
                            .isEqualTo(eventId);
                }
            });
            assertThat(process.output()).doesNotContain("Kafka unavailable").doesNotContain("disconnected");
        }
    }
}
