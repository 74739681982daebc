package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 8: 2,000 events from parallel clients as fast as the engine goes: none missing. */
@ExtendWith(SharedKafka.class)
class BurstTest {
    private static final int CLIENTS = 8;
    private static final int VOLUMES_PER_CLIENT = 125; // create + destroy: 2,000 events

    @Test
    void twoThousandEventsFromParallelClientsAreAllPublishedOnce(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("load");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            engine.churnVolumes(prefix, CLIENTS, VOLUMES_PER_CLIENT);
            int expected = 2 * CLIENTS * VOLUMES_PER_CLIENT;
            try {
                await().atMost(Duration.ofSeconds(120)).until(() ->
                        TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() >= expected);
            } catch (ConditionTimeoutException e) {
                // Once in CI the reader waited out the two minutes: keep what the listener said for the next one.
                throw new AssertionError(e.getMessage() + "; the listener's output:\n" + process.outputTail(20_000), e);
            }
            List<JsonNode> mine = TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix));
            assertThat(mine).hasSize(expected);
            Set<String> distinct = mine.stream().map(e -> e.path("Actor").path("ID").asText() + " "
                    + e.path("Action").asText()).collect(Collectors.toSet());
            assertThat(distinct).hasSize(expected);
            assertThat(TopicView.read(broker, listener.topic).ofKind("gap")).isEmpty();
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }
}
