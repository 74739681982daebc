package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * The checkpoints topic deleted under a running listener, and created again (by hand, as the broker creates no topic
 * here): what was read meanwhile is published once, and the checkpoint written again. Before, the new producer found
 * no checkpoint, took that for another listener's, dropped what it held and started over as at a first start: the
 * events read before its 2 s look-back were lost, without a gap. A broker of its own: the shared one creates topics
 * when asked for one it does not have.
 */
class CheckpointTopicLostTest {
    private static final int VOLUMES = 5;

    @Test
    void eventsReadWhileTheCheckpointsTopicIsGoneArePublishedOnceItIsBack() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker(Map.of("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"));
             TestEngine engine = new TestEngine()) {
            ListenerProcess listener = new ListenerProcess(broker);
            String prefix = TestEngine.uniqueName("lostcp");
            // A short transaction timeout: the broker aborts the transaction waiting for the topic, the producer
            // is rebuilt and the checkpoint looked up while the topic is gone (it waited as long as 60 s before).
            Path config = Files.createTempFile("dwb-kafka-", ".properties");
            Files.writeString(config, "bootstrap.servers=" + broker.bootstrapServers() + "\n"
                    + "transaction.timeout.ms=3000\nmax.block.ms=3000\n");
            try (JavaProcess first = listener.startWithKafkaConfig(config)) {
                ListenerProcess.awaitConnected(first, 1);
                engine.client().createVolumeCmd().withName(prefix + "-first").exec();
                await().atMost(Duration.ofSeconds(60)).until(() -> broker.readAll(listener.checkpointTopic).stream()
                        .anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"eventId\"")));
                assertThat(first.terminate(Duration.ofSeconds(60))).isZero();
            }
            // A listener that resumed from its checkpoint: no first start's watch to fall back on.
            try (JavaProcess process = listener.startWithKafkaConfig(config)) {
                ListenerProcess.awaitConnected(process, 1);
                engine.client().createVolumeCmd().withName(prefix + "-before").exec();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() == 2);
                int partitions;
                try (Admin admin = broker.admin()) {
                    partitions = admin.describeTopics(List.of(listener.checkpointTopic)).allTopicNames().get()
                            .get(listener.checkpointTopic).partitions().size();
                    admin.deleteTopics(List.of(listener.checkpointTopic)).all().get();
                }
                int deletedAt = process.output().length();

                for (int i = 0; i < VOLUMES; i++) {
                    engine.client().createVolumeCmd().withName(prefix + "-" + i).exec();
                    engine.client().removeVolumeCmd(prefix + "-" + i).exec();
                }
                // The producer rebuilt after a failure, the checkpoint looked up while the topic is gone: not before
                // the broker aborted the transaction holding those events (3 s), so they are older than a first
                // start's 2 s look-back by then.
                await().atMost(Duration.ofSeconds(90)).until(() -> process.output().substring(deletedAt)
                        .contains("Kafka ready"));
                broker.createTopic(listener.checkpointTopic, partitions, Map.of("cleanup.policy", "compact"));
                engine.client().createVolumeCmd().withName(prefix + "-after").exec();

                int expected = 2 + 2 * VOLUMES + 1;
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                    assertThat(process.isAlive()).as(process.output()).isTrue();
                    assertThat(TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)))
                            .hasSizeGreaterThanOrEqualTo(expected);
                });
                TopicView view = TopicView.read(broker, listener.topic);
                Map<String, Long> mine = view.events().stream().filter(e -> TopicView.named(prefix).test(e.value()))
                        .collect(Collectors.groupingBy(e -> e.value().path("Actor").path("ID").asText() + " "
                                + e.value().path("Action").asText(), Collectors.counting()));
                assertThat(mine).as("every event once; the listener said:\n" + process.output()).hasSize(expected)
                        .allSatisfy((k, n) -> assertThat(n).as(k).isEqualTo(1L));
                assertThat(process.output()).contains("Kafka has no readable checkpoint for this host")
                        .doesNotContain("dropping the");
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        !broker.readAll(listener.checkpointTopic).isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(60))).isZero();
            }
        }
    }
}
