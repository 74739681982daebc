package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.HostConfig;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 2: SIGKILL during a burst, start again: every event exactly once under read_committed. */
@ExtendWith(SharedKafka.class)
class KillDuringBurstTest {
    private static final int CONTAINERS = 110; // create + destroy each: 220 events

    @Test
    void aKilledListenerResumesFromItsCheckpointWithoutLossOrDuplicates(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("burst");
        try (TestEngine engine = new TestEngine(); JavaProcess first = listener.start()) {
            ListenerProcess.awaitConnected(first, 1);
            CompletableFuture<Void> burst = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < CONTAINERS; i++) {
                    String id = engine.client().createContainerCmd(TestEngine.BUSYBOX).withName(prefix + "-" + i)
                            .withCmd("true").withLabels(Map.of("dwb.test", "true"))
                            .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
                    engine.client().removeContainerCmd(id).withForce(true).exec();
                }
            });
            try {
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() >= 40);
                first.kill();
                assertThat(burst).as("the kill happened during the burst").isNotDone();
                try (JavaProcess second = listener.start()) {
                    ListenerProcess.awaitConnected(second, 1);
                    burst.get();
                    await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(
                            TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)))
                            .hasSizeGreaterThanOrEqualTo(2 * CONTAINERS));
                    TopicView view = TopicView.read(broker, listener.topic);
                    List<JsonNode> mine = view.eventValues(TopicView.named(prefix));
                    Map<String, Long> perAction = mine.stream().collect(Collectors.groupingBy(
                            e -> e.path("Actor").path("Attributes").path("name").asText() + " "
                                    + e.path("Action").asText(), Collectors.counting()));
                    for (int i = 0; i < CONTAINERS; i++) {
                        assertThat(perAction.get(prefix + "-" + i + " create")).as("create of #" + i).isEqualTo(1L);
                        assertThat(perAction.get(prefix + "-" + i + " destroy")).as("destroy of #" + i).isEqualTo(1L);
                    }
                    assertThat(mine).hasSize(2 * CONTAINERS);
                    Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                            TopicView.Published::eventId, Collectors.counting()));
                    assertThat(ids.values()).as("no event of any kind published twice").allMatch(n -> n == 1);
                    assertThat(view.ofKind("gap")).as("the engine still had the checkpointed event").isEmpty();
                    assertThat(second.output()).contains("continuity proven");
                    assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
                }
            } finally {
                burst.exceptionally(e -> null).join();
                for (int i = 0; i < CONTAINERS; i++) {
                    engine.removeQuietly(prefix + "-" + i);
                }
            }
        }
    }
}
