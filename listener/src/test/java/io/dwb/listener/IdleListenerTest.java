package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An idle listener sleeps until its next heartbeat (here an hour away) instead of waking every second to look for a
 * stop or the end of its stream: both wake it, so it still stops, and reconnects, at once.
 */
@ExtendWith(SharedKafka.class)
class IdleListenerTest {
    /** Longer than the idle collection's quiet time: after it nothing is due before the heartbeat. */
    private static final Duration PAST_IDLE_COLLECTION = IdleCollection.QUIET.plusSeconds(2);

    @Test
    void anIdleListenerStopsAtOnceOnSigterm(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (JavaProcess process = listener.start("--heartbeat-interval", "1h")) {
            ListenerProcess.awaitConnected(process, 1);
            Thread.sleep(PAST_IDLE_COLLECTION.toMillis());

            assertThat(process.terminate(Duration.ofSeconds(15))).as("SIGTERM exits 0").isZero();
            assertThat(process.output()).contains("stopping: disconnecting from the engine", "stopped");
        }
    }

    @Test
    void anIdleListenerResumesAtOnceWhenTheEngineEndsItsStream(SharedKafka.Broker broker) throws Exception {
        long t0 = System.currentTimeMillis() * 1_000_000L;
        String event = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"idle-1\",\"Attributes\":{}},"
                + "\"scope\":\"local\",\"time\":" + t0 / 1_000_000_000L + ",\"timeNano\":" + t0 + "}";
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(
                new ScriptedEngine.Event(event.getBytes(StandardCharsets.UTF_8), t0)));
             JavaProcess process = listener.start("--docker-host", engine.dockerHost(),
                     "--heartbeat-interval", "1h")) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    TopicView.read(broker, listener.topic).events().size() == 1);
            Thread.sleep(PAST_IDLE_COLLECTION.toMillis());

            engine.endStreams();

            await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                    assertThat(engine.subscriptions()).as("subscribed again, from the checkpoint").isEqualTo(2));
            ListenerProcess.awaitConnected(process, 2);
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(process.output())
                    .contains("resumed: the engine replayed the checkpointed event, continuity proven"));
            assertThat(TopicView.read(broker, listener.topic).events()).as("the replayed event is not published again")
                    .hasSize(1);
            assertThat(TopicView.read(broker, listener.topic).ofKind("gap")).isEmpty();
        }
    }
}
