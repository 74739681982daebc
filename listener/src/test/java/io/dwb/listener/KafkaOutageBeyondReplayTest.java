package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Kafka stops answering while the engine makes more events than it can replay (its 256), and again as many after the
 * commit waiting on Kafka timed out, while the listener rebuilds its producer: it keeps what it read and goes on
 * reading instead of counting on the engine's replay. Once Kafka is back it publishes those events in a new
 * transaction: every event once, in the engine's order, no gap.
 */
class KafkaOutageBeyondReplayTest {
    private static final int CLIENTS = 4;
    /** Create + destroy: 400 events before the commit fails and 400 after, each more than the engine's 256. */
    private static final int VOLUMES_PER_CLIENT = 50;

    @Test
    void eventsReadWhileACommitFailedAreNotLostWhenTheEngineCanNoLongerReplayThem() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker(); TestEngine engine = new TestEngine()) {
            ListenerProcess listener = new ListenerProcess(broker);
            String prefix = TestEngine.uniqueName("beyond");
            try (JavaProcess process = listener.start("--kafka-timeout", "10s")) {
                ListenerProcess.awaitConnected(process, 1);
                engine.client().createVolumeCmd().withName(prefix + "-before").exec();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() == 1);

                String kafka = broker.container().getContainerId();
                broker.container().getDockerClient().pauseContainerCmd(kafka).exec();
                try {
                    engine.churnVolumes(prefix + "-a", CLIENTS, VOLUMES_PER_CLIENT);
                    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200)).until(() ->
                            process.output().contains("Kafka unavailable"));
                    engine.churnVolumes(prefix + "-b", CLIENTS, VOLUMES_PER_CLIENT); // while the listener has no producer
                } finally {
                    broker.container().getDockerClient().unpauseContainerCmd(kafka).exec();
                }

                int expected = 1 + 2 * 2 * CLIENTS * VOLUMES_PER_CLIENT;
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    TopicView now = TopicView.read(broker, listener.topic);
                    return now.eventValues(TopicView.named(prefix)).size() >= expected || !now.ofKind("gap").isEmpty();
                });
                TopicView view = TopicView.read(broker, listener.topic);
                List<JsonNode> mine = view.eventValues(TopicView.named(prefix));
                assertThat(view.ofKind("gap")).as("listener output:%n%s", process.output()).isEmpty();
                assertThat(mine).hasSize(expected);
                Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                        TopicView.Published::eventId, Collectors.counting()));
                assertThat(ids.values()).as("nothing twice").allMatch(n -> n == 1);
                // Parallel clients' events may reach the stream a little out of timeNano order: the order to keep
                // is each volume's own, create before destroy.
                Map<String, List<String>> actions = mine.stream().collect(Collectors.groupingBy(
                        e -> e.path("Actor").path("ID").asText(), Collectors.mapping(e -> e.path("Action").asText(),
                                Collectors.toList())));
                assertThat(actions.values()).as("each volume's events in order")
                        .allMatch(a -> a.equals(List.of("create", "destroy")) || a.equals(List.of("create")));
                // What the failed transaction held is published again, or was committed after all (its answer lost):
                // either way once.
                assertThat(process.output()).contains("holding the").contains("Kafka is back");
                assertThat(ListenerProcess.count(process.output(), "connected to the Docker engine"))
                        .as("one subscription throughout").isEqualTo(1);
                assertThat(process.isAlive()).isTrue();
                assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
    }
}
