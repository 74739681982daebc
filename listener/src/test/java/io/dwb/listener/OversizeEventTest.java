package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.HostConfig;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventId;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An event larger than Kafka takes (a container with a 1.1 MB label: the engine copies labels into every event of
 * the container) is published as a stand-in with its identity, its container's name and image and {@code truncated:
 * true}; it does not block the events after it, and nothing is retried forever.
 */
@ExtendWith(SharedKafka.class)
class OversizeEventTest {

    @Test
    void eventsOverKafkasLimitArePublishedAsStandInsAndTheStreamGoesOn(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String output = bigEventsAreStandIns(broker, listener, 1_100_000);
        assertThat(output).doesNotContain("Kafka unavailable").doesNotContain("disconnected");
    }

    /**
     * An events topic whose records are smaller than Kafka's default (max.message.bytes=100000: a shared cluster's
     * administrators chose it): an event of 150 KB was published as it was, the broker refused it, and with it the
     * transaction, at every retry, so that nothing more of the host was published ("Kafka unavailable", for good).
     */
    @Test
    void anEventOverTheTopicsOwnRecordLimitIsAStandInToo(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        broker.createTopic(listener.topic, 12, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "100000"));
        String output = bigEventsAreStandIns(broker, listener, 150_000);
        assertThat(output).contains("topic " + listener.topic + " takes records up to 100000 bytes")
                .doesNotContain("Kafka unavailable");
    }

    /**
     * Starts the listener, makes a container with a label of {@code labelBytes} (its create and destroy events
     * carry it) and a container after it: the big events are published once each as stand-ins, the events after
     * them as they are. Returns the listener's output.
     */
    private static String bigEventsAreStandIns(SharedKafka.Broker broker, ListenerProcess listener, int labelBytes)
            throws Exception {
        String big = TestEngine.uniqueName("oversize");
        String after = TestEngine.uniqueName("after-oversize");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            long since = engine.engineNowNanos();
            try {
                String id = engine.client().createContainerCmd(TestEngine.BUSYBOX).withName(big)
                        .withCmd("true").withLabels(Map.of("dwb.test", "true", "huge", "x".repeat(labelBytes)))
                        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
                engine.client().removeContainerCmd(id).exec();
                engine.startSleeper(after);
            } finally {
                engine.removeQuietly(big);
                engine.removeQuietly(after);
            }
            List<JsonNode> reported = engine.events(since, engine.engineNowNanos());
            List<JsonNode> bigEvents = reported.stream().filter(TopicView.named(big)).toList();
            assertThat(bigEvents).as("create and destroy, each over the label's size").hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(e -> assertThat(e.toString().length()).isGreaterThan(labelBytes));
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
                    assertThat(standIn.get("originalSize").asLong()).isGreaterThan(labelBytes);
                    assertThat(standIn.get("Action")).isEqualTo(e.get("Action"));
                    assertThat(standIn.get("timeNano")).isEqualTo(e.get("timeNano"));
                    assertThat(standIn.path("Actor").get("ID")).isEqualTo(e.path("Actor").get("ID"));
                    assertThat(standIn.path("Actor").path("Attributes")).as("the engine's name and image")
                            .isEqualTo(ContractJson.MAPPER.createObjectNode().put("image", TestEngine.BUSYBOX)
                                    .put("name", big));
                    assertThat(EventId.of(host.id(), standIn)).as("the stand-in keeps the event id")
                            .isEqualTo(eventId);
                }
            });
            return process.output();
        }
    }
}
