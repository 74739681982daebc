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
}
