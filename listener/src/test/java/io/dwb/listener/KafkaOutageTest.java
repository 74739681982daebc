package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 5: Kafka paused for 20 s while events happen (a broker of its own): once it is back, every event is
 * there once, or a gap record says exactly which window may be missing.
 */
class KafkaOutageTest {
    private static final int VOLUMES = 20;

    private record Operation(String name, long before, long after) {}

    private static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Test
    void eventsDuringAKafkaOutageArePublishedOnceItIsBack() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker(); TestEngine engine = new TestEngine()) {
            ListenerProcess listener = new ListenerProcess(broker);
            String prefix = TestEngine.uniqueName("outage");
            // A short Kafka timeout, so the outage goes through the rebuild-and-resume path, not only a wait; and a
            // small queue, so it also overflows and the reader disconnects rather than fall behind the engine.
            try (JavaProcess process = listener.start("--kafka-timeout", "10s", "--heartbeat-interval", "2s",
                    "--queue-capacity", "10")) {
                ListenerProcess.awaitConnected(process, 1);
                engine.client().createVolumeCmd().withName(prefix + "-before").exec();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() == 1);

                String kafka = broker.container().getContainerId();
                broker.container().getDockerClient().pauseContainerCmd(kafka).exec();
                List<Operation> during = new ArrayList<>();
                try {
                    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    for (int i = 0; i < VOLUMES; i++) {
                        String name = prefix + "-" + i;
                        long before = wallNanos();
                        engine.client().createVolumeCmd().withName(name).exec();
                        engine.client().removeVolumeCmd(name).exec();
                        during.add(new Operation(name, before, wallNanos()));
                        Thread.sleep(Math.max(0, (end - System.nanoTime()) / 1_000_000L / (VOLUMES - i)));
                    }
                } finally {
                    broker.container().getDockerClient().unpauseContainerCmd(kafka).exec();
                }
                engine.client().removeVolumeCmd(prefix + "-before").exec();
                await().atMost(Duration.ofSeconds(180)).until(() -> TopicView.read(broker, listener.topic)
                        .eventValues(e -> e.path("Actor").path("ID").asText().equals(prefix + "-before")
                                && e.path("Action").asText().equals("destroy")).size() == 1);

                TopicView view = TopicView.read(broker, listener.topic);
                List<JsonNode> mine = view.eventValues(TopicView.named(prefix));
                List<JsonNode> gaps = view.ofKind("gap").stream().map(TopicView.Published::value).toList();
                for (Operation op : during) {
                    for (String action : List.of("create", "destroy")) {
                        long n = mine.stream().filter(e -> e.path("Actor").path("ID").asText().equals(op.name())
                                && e.path("Action").asText().equals(action)).count();
                        if (n == 0) {
                            assertThat(gaps).as(op + " " + action + " is missing: a gap must cover it")
                                    .anyMatch(g -> g.get("fromNano").asLong() <= op.after()
                                            && g.get("toNano").asLong() >= op.before());
                        } else {
                            assertThat(n).as(op + " " + action).isEqualTo(1);
                        }
                    }
                }
                Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                        TopicView.Published::eventId, Collectors.counting()));
                assertThat(ids.values()).as("nothing twice").allMatch(n -> n == 1);
                assertThat(process.output()).contains("the queue of 10 events or")
                        .contains("Kafka unavailable").contains("continuity proven");
                assertThat(process.isAlive()).isTrue();
                assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
    }
}
