package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventId;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 3: the listener was down while the engine forgot the checkpointed event: a gap, a state, the rest once. */
@ExtendWith(SharedKafka.class)
class GapTest {
    private static final int VOLUMES = 150; // create + destroy each: 300 events, more than the engine's 256

    @Test
    void moreThan256EventsWhileDownGiveOneGapWithTheWindowThenAStateSnapshot(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("gap");
        String sleeper = prefix + "-sleeper";
        try (TestEngine engine = new TestEngine()) {
            try {
                engine.startSleeper(sleeper);
                try (JavaProcess first = listener.start()) {
                    ListenerProcess.awaitConnected(first, 1);
                    engine.client().createVolumeCmd().withName(prefix + "-first").exec();
                    await().atMost(Duration.ofSeconds(60)).until(() ->
                            !TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).isEmpty());
                    assertThat(first.terminate(Duration.ofSeconds(30))).isZero();
                }
                List<ConsumerRecord<byte[], byte[]>> checkpoints = broker.readAll(listener.checkpointTopic);
                JsonNode checkpoint = ContractJson.tree(checkpoints.get(checkpoints.size() - 1).value());
                long checkpointNano = checkpoint.get("timeNano").asLong();
                int publishedBefore = TopicView.read(broker, listener.topic).records().size();

                for (int i = 0; i < VOLUMES; i++) {
                    engine.client().createVolumeCmd().withName(prefix + "-" + i).exec();
                    engine.client().removeVolumeCmd(prefix + "-" + i).exec();
                }
                List<JsonNode> kept = engine.events(checkpointNano, engine.engineNowNanos());
                String hostId = listener.identity().id();
                assertThat(kept).as("the engine forgot the checkpointed event")
                        .noneMatch(e -> EventId.of(hostId, e).equals(checkpoint.get("eventId").asText()));

                // Started with its Kafka settings in a --kafka-config file this time.
                java.nio.file.Path kafkaConfig = java.nio.file.Files.createTempFile("dwb-kafka", ".properties");
                java.nio.file.Files.writeString(kafkaConfig, "bootstrap.servers=" + broker.bootstrapServers()
                        + "\ncompression.type=lz4\n");
                try (JavaProcess second = listener.startWithKafkaConfig(kafkaConfig)) {
                    ListenerProcess.awaitConnected(second, 1);
                    JsonNode lastKept = kept.get(kept.size() - 1);
                    await().atMost(Duration.ofSeconds(60)).until(() ->
                            TopicView.read(broker, listener.topic).eventValues(lastKept::equals).size() == 1);
                    List<TopicView.Published> all = TopicView.read(broker, listener.topic).records(); // read once
                    // The listener's records after the restart, less its heartbeats (the first comes at its start).
                    List<TopicView.Published> after = new TopicView(all.subList(publishedBefore, all.size()))
                            .withoutHeartbeats();
                    assertThat(after.stream().filter(p -> p.kind().equals("gap"))).as("one gap").hasSize(1);
                    List<String> kinds = all.stream().map(TopicView.Published::kind).toList();
                    assertThat(kinds.get(kinds.indexOf("gap") + 1)).as("its state right after it, nothing between")
                            .isEqualTo("state");
                    assertThat(after.get(0).kind()).as("the gap comes first").isEqualTo("gap");
                    JsonNode gap = after.get(0).value();
                    ContractSchemas schemas = new ContractSchemas();
                    assertThat(schemas.validate(RecordKind.GAP, gap)).isEmpty();
                    assertThat(gap.get("fromNano").asLong()).isEqualTo(checkpointNano);
                    assertThat(gap.get("from").asText()).isEqualTo(ContractJson.rfc3339(checkpointNano));
                    assertThat(gap.get("lastEventId").asText()).isEqualTo(checkpoint.get("eventId").asText());
                    assertThat(gap.get("reason").asText()).isEqualTo("checkpoint-not-replayed");
                    assertThat(after.get(0).key()).isEqualTo(hostId);

                    assertThat(after.get(1).kind()).as("then the state snapshot").isEqualTo("state");
                    JsonNode state = after.get(1).value();
                    assertThat(schemas.validate(RecordKind.STATE, state)).isEmpty();
                    assertThat(state.get("containers")).anySatisfy(c ->
                            assertThat(c.get("Names").toString()).contains(sleeper));

                    // The window ends at the first event the engine still had: the first one published after it.
                    assertThat(after.get(2).kind()).isEqualTo("event");
                    long to = gap.get("toNano").asLong();
                    assertThat(after.get(2).value().get("timeNano").asLong()).isEqualTo(to);
                    assertThat(to).isGreaterThanOrEqualTo(kept.get(0).get("timeNano").asLong());

                    // What the engine still kept (from the window's end on) is on the topic exactly once.
                    List<JsonNode> stillKept = kept.stream().filter(e -> e.get("timeNano").asLong() >= to).toList();
                    assertThat(stillKept).hasSizeGreaterThan(100);
                    Set<JsonNode> keptSet = new HashSet<>(stillKept);
                    assertThat(TopicView.read(broker, listener.topic).eventValues(keptSet::contains))
                            .containsExactlyElementsOf(stillKept);
                    Map<String, Long> ids = TopicView.read(broker, listener.topic).events().stream().collect(
                            Collectors.groupingBy(TopicView.Published::eventId, Collectors.counting()));
                    assertThat(ids.values()).allMatch(n -> n == 1);
                    assertThat(second.output()).contains("gap: events between");
                    assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
                }
            } finally {
                engine.removeQuietly(sleeper);
                try {
                    engine.client().removeVolumeCmd(prefix + "-first").exec();
                } catch (RuntimeException e) {
                    // not created
                }
            }
        }
    }
}
