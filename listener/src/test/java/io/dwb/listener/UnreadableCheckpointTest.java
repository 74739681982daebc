package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The host's value on the checkpoints topic is not a checkpoint (garbage, or JSON that is not one): the listener
 * says so, publishes a gap with reason {@code checkpoint-unreadable} and a state record, and captures from now on
 * instead of exiting 1 at every start.
 */
@ExtendWith(SharedKafka.class)
class UnreadableCheckpointTest {

    @Test
    void anUnreadableCheckpointGivesAGapWithItsOwnReasonAndCaptureGoesOn(SharedKafka.Broker broker) throws Exception {
        for (String garbage : List.of("\u0000not json at all", "{\"timeNano\":\"soon\",\"eventId\":\"x\"}")) {
            ListenerProcess listener = new ListenerProcess(broker);
            listener.writeCheckpointValue(broker, garbage.getBytes(StandardCharsets.UTF_8));
            String volume = TestEngine.uniqueName("after-unreadable");
            try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start()) {
                ListenerProcess.awaitConnected(process, 1);
                try {
                    engine.client().createVolumeCmd().withName(volume).exec();
                    await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                            .eventValues(TopicView.named(volume)).isEmpty());
                } finally {
                    engine.client().removeVolumeCmd(volume).exec();
                }
                TopicView topic = TopicView.read(broker, listener.topic);
                List<String> kinds = topic.records().stream().map(TopicView.Published::kind).toList();
                assertThat(kinds.get(kinds.indexOf("gap") + 1)).as("its state right after it, nothing between")
                        .isEqualTo("state");
                List<TopicView.Published> records = topic.withoutHeartbeats();
                assertThat(records.get(0).kind()).as("the gap first").isEqualTo("gap");
                JsonNode gap = records.get(0).value();
                assertThat(new ContractSchemas().validate(RecordKind.GAP, gap)).isEmpty();
                assertThat(gap.get("reason").asText()).isEqualTo(GapReason.CHECKPOINT_UNREADABLE.code());
                assertThat(gap.get("fromNano").asLong()).isLessThanOrEqualTo(gap.get("toNano").asLong());
                assertThat(gap.get("lastEventId").isNull()).isTrue();
                assertThat(records.get(1).kind()).as("then the state").isEqualTo("state");
                assertThat(process.output()).contains("is not a checkpoint").contains("checkpoint-unreadable");
                await().atMost(Duration.ofSeconds(30)).until(() -> broker.readAll(listener.checkpointTopic).size() > 1);
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }
        }
    }

    /**
     * On a quiet host no event commits a checkpoint over the unreadable value: after a Kafka failure the listener read
     * it again with its new producer, and said its gap again at the next subscription, over a time it had captured
     * (a broker's rolling restart, then any engine reconnect: a gap each time). It is said once a process now. A broker
     * of its own, paused; an engine that writes no event.
     */
    @Test
    void anUnreadableCheckpointOfAQuietHostIsReportedOnceThroughAKafkaFailure() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startBroker();
             ScriptedEngine engine = new ScriptedEngine(List.of())) {
            ListenerProcess listener = new ListenerProcess(broker);
            listener.writeCheckpointValue(broker, "\u0000not json at all".getBytes(StandardCharsets.UTF_8));
            try (JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--kafka-timeout", "10s",
                    "--heartbeat-interval", "2s")) {
                ListenerProcess.awaitConnected(process, 1);
                await().atMost(Duration.ofSeconds(60)).until(() -> unreadableGaps(broker, listener) == 1);

                String kafka = broker.container().getContainerId();
                broker.container().getDockerClient().pauseContainerCmd(kafka).exec();
                try {
                    await().atMost(Duration.ofSeconds(90)).until(() -> process.output().contains("Kafka unavailable"));
                } finally {
                    broker.container().getDockerClient().unpauseContainerCmd(kafka).exec();
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> ListenerProcess.count(process.output(),
                        "Kafka ready at") >= 2);
                engine.endStreams(); // a reconnect: the subscription the gap was said again with
                ListenerProcess.awaitConnected(process, 2);
                int heartbeats = heartbeats(broker, listener);
                await().atMost(Duration.ofSeconds(60)).until(() -> heartbeats(broker, listener) >= heartbeats + 2);

                assertThat(unreadableGaps(broker, listener)).as(process.output()).isEqualTo(1);
                assertThat(ListenerProcess.count(process.output(), "the checkpoint is unreadable)")).isEqualTo(1);
            }
        }
    }

    private static long unreadableGaps(SharedKafka.Broker broker, ListenerProcess listener) {
        return TopicView.read(broker, listener.topic).records().stream().filter(r -> r.kind().equals("gap")
                && r.value().get("reason").asText().equals(GapReason.CHECKPOINT_UNREADABLE.code())).count();
    }

    private static int heartbeats(SharedKafka.Broker broker, ListenerProcess listener) {
        return (int) TopicView.read(broker, listener.topic).records().stream()
                .filter(r -> r.kind().equals("heartbeat")).count();
    }
}
