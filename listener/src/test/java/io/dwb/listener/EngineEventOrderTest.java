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
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The engine reads an event's time before it takes the lock that appends the event to its buffer, so two events made
 * at once can be appended out of time order (the real engine does it: 144 µs back, once in 960 volume events of
 * eight concurrent loops; not on demand, hence an engine API that replays a scripted buffer as the engine does: back
 * from the newest event to the first one older than {@code since}). A listener stopped next to such a pair resumes
 * with neither a false gap, nor an event published twice, nor one lost. Nor does the engine hand events over in its
 * buffer's order (it appends under a lock, then publishes from a goroutine per subscriber): an event made with the
 * checkpointed one may come after it live and before it in the replay, or the other way round.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class EngineEventOrderTest {
    /** Now: the topic's 7-day retention would delete records timestamped earlier. */
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;
    private static final long MS = 1_000_000L;

    @Test
    void anOlderEventAppendedAfterTheCheckpointedOneIsPublishedOnResumeWithoutAGap(SharedKafka.Broker broker)
            throws Exception {
        List<String> published = acrossARestart(broker,
                List.of(event("first", T0), event("checkpointed", T0 + 2 * MS)),
                List.of(event("older-after", T0 + 2 * MS - 144_000), event("next", T0 + 5 * MS)));
        // Before: the replay from the checkpoint's time stopped at the older event: a gap, and that event lost.
        assertThat(published).containsExactly("event first", "event checkpointed", "event older-after",
                "event next");
    }

    @Test
    void aLaterEventAppendedBeforeTheCheckpointedOneIsNotPublishedAgainOnResume(SharedKafka.Broker broker)
            throws Exception {
        List<String> published = acrossARestart(broker,
                List.of(event("first", T0), event("later-before", T0 + 2 * MS),
                        event("checkpointed", T0 + 2 * MS - 144_000)),
                List.of(event("next", T0 + 5 * MS)));
        // Before: the later event replayed first was taken for a gap, and both events were published again after it.
        assertThat(published).containsExactly("event first", "event later-before", "event checkpointed",
                "event next");
    }

    @Test
    void anEventHandedOverAfterTheCheckpointedOneButReplayedBeforeItIsPublishedOnResume(SharedKafka.Broker broker)
            throws Exception {
        ScriptedEngine.Event first = event("first", T0);
        ScriptedEngine.Event appendedBefore = event("appended-before", T0 + 2 * MS - 50_000);
        ScriptedEngine.Event checkpointed = event("checkpointed", T0 + 2 * MS);
        List<String> published = acrossARestartReplaying(broker, List.of(first, checkpointed),
                List.of(first, appendedBefore, checkpointed, event("next", T0 + 5 * MS)));
        // Before: appended before the checkpointed event, it was taken for published: lost, without a gap.
        assertThat(published).containsExactly("event first", "event checkpointed", "event appended-before",
                "event next");
    }

    @Test
    void anEventHandedOverBeforeTheCheckpointedOneButReplayedAfterItIsNotPublishedAgain(SharedKafka.Broker broker)
            throws Exception {
        ScriptedEngine.Event first = event("first", T0);
        ScriptedEngine.Event appendedAfter = event("appended-after", T0 + 2 * MS + 50_000);
        ScriptedEngine.Event checkpointed = event("checkpointed", T0 + 2 * MS);
        List<String> published = acrossARestartReplaying(broker, List.of(first, appendedAfter, checkpointed),
                List.of(first, checkpointed, appendedAfter, event("next", T0 + 5 * MS)));
        // Before: after the checkpointed event in the replay, it was published again.
        assertThat(published).containsExactly("event first", "event appended-after", "event checkpointed",
                "event next");
    }

    @Test
    void anEventHandedOverTwiceAtASubscriptionsStartIsPublishedOnce(SharedKafka.Broker broker) throws Exception {
        // The engine appends under its lock and publishes after it: an event appended just before a subscription
        // and published just after is in the subscription's replay and comes live too.
        ScriptedEngine.Event twice = event("twice", T0 + MS);
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(event("first", T0), twice, twice,
                event("checkpointed", T0 + 2 * MS)))) {
            runUntilPublished(listener, engine, broker, "checkpointed");
        }
        assertThat(published(broker, listener)).containsExactly("event first", "event twice", "event checkpointed");
    }

    @Test
    void eventsMadeAfterTheHostClockSteppedBackWhileStoppedArePublishedOnResume(SharedKafka.Broker broker)
            throws Exception {
        ScriptedEngine.Event first = event("first", T0);
        ScriptedEngine.Event checkpointed = event("checkpointed", T0 + 2 * MS);
        long hourBack = T0 - 3_600_000 * MS;
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of(first, checkpointed))) {
            runUntilPublished(listener, engine, broker, "checkpointed");
            // NTP steps the host's clock an hour back; the engine makes two events, then the listener starts again.
            ScriptedEngine.Event afterTheStep = event("after-the-step", hourBack);
            ScriptedEngine.Event next = event("next", hourBack + MS);
            engine.rebuffer(List.of(first, checkpointed, afterTheStep, next));
            engine.clock(hourBack + 1_000 * MS);
            assertThat(runUntilPublished(listener, engine, broker, "next")).contains("the engine's clock (")
                    .contains("it went back; replaying the engine's whole buffer");
            // Started again a second later: its checkpoint is now an event made after the step, and the engine's
            // buffer still holds those made before it, an hour later.
            engine.rebuffer(List.of(first, checkpointed, afterTheStep, next, event("again", hourBack + 2_000 * MS)));
            engine.clock(hourBack + 2_000 * MS);
            runUntilPublished(listener, engine, broker, "again");
        }
        // Before: the replay from the checkpoint's time returned neither, and a gap "between T and T" followed; then
        // (the checkpoint from after the step) a false gap, and everything the engine kept published again.
        assertThat(published(broker, listener)).containsExactly("event first", "event checkpointed",
                "event after-the-step", "event next", "event again");
    }

    @Test
    void aSwarmEventStampedBeforeEventsPublishedEarlierIsNeitherAGapNorPublishedAgainOnResume(
            SharedKafka.Broker broker) throws Exception {
        // On a swarm manager, a service update carries the time the raft leader gave it (its UpdatedAt), not the
        // time this engine appended it: local events up to T0 + 5 s, then the update stamped 2 s before the last of
        // them, handed over last (and the last event the first run commits).
        List<ScriptedEngine.Event> handedOver = new java.util.ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            handedOver.add(event("local-" + i, T0 + i * 500 * MS));
        }
        handedOver.add(swarmEvent("late-service", T0 + 3_000 * MS));
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(handedOver)) { // its clock T0 + 1 s: a first start gets all
            runUntilPublished(listener, engine, broker, "late-service");
            engine.append(event("next", T0 + 6_000 * MS));
            engine.clock(T0 + 6_500 * MS);
            String second = runUntilPublished(listener, engine, broker, "next");
            assertThat(second).contains("continuity proven").doesNotContain("gap:")
                    .doesNotContain("it went back");
        }
        // Before: the update was the checkpoint and the ids of the events published before it were dropped as for a
        // clock step; the replay from a second before it returned the local events after its time, and the first one
        // more than a second later (local-9) decided a gap and a state snapshot, after which local-6 to local-10 and
        // the update were published again.
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            expected.add("event local-" + i);
        }
        expected.add("event late-service");
        expected.add("event next");
        assertThat(published(broker, listener)).isEqualTo(expected);
    }

    /**
     * A listener is handed {@code handedOver} (the last of them, {@code checkpointed}, is its checkpoint) and stops; a
     * listener started again is replayed {@code buffer} (the engine's buffer, ending with {@code next}) and publishes
     * up to it. What the topic then holds, as {@link #published}.
     */
    private static List<String> acrossARestartReplaying(SharedKafka.Broker broker,
                                                        List<ScriptedEngine.Event> handedOver,
                                                        List<ScriptedEngine.Event> buffer) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(handedOver)) {
            runUntilPublished(listener, engine, broker, "checkpointed");
            engine.rebuffer(buffer);
            runUntilPublished(listener, engine, broker, "next");
        }
        return published(broker, listener);
    }

    /**
     * A listener publishes {@code before} (the last of them, {@code checkpointed}, is its checkpoint) and stops; the
     * engine makes {@code whileStopped} (the last of them, {@code next}); a listener started again publishes up to it.
     * What the topic then holds, as {@link #published}: a false gap or an event published again would come before
     * {@code next}, which the second run waits for.
     */
    private static List<String> acrossARestart(SharedKafka.Broker broker, List<ScriptedEngine.Event> before,
                                               List<ScriptedEngine.Event> whileStopped) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (ScriptedEngine engine = new ScriptedEngine(before)) {
            runUntilPublished(listener, engine, broker, "checkpointed");
            engine.append(whileStopped.toArray(ScriptedEngine.Event[]::new));
            runUntilPublished(listener, engine, broker, "next");
        }
        return published(broker, listener);
    }

    /**
     * Starts the listener on {@code engine}, waits until it published the event of {@code volume}, and stops it;
     * returns what it logged.
     */
    private static String runUntilPublished(ListenerProcess listener, ScriptedEngine engine,
                                            SharedKafka.Broker broker, String volume) throws Exception {
        try (JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    published(broker, listener).contains("event " + volume));
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            return process.output();
        }
    }

    /** Every record but heartbeats, as "kind actor" ("gap", "state" for those). */
    private static List<String> published(SharedKafka.Broker broker, ListenerProcess listener) {
        return TopicView.read(broker, listener.topic).records().stream()
                .filter(p -> !"heartbeat".equals(p.kind()))
                .map(p -> p.kind() + ("event".equals(p.kind()) ? " " + p.value().path("Actor").path("ID").asText()
                        : ""))
                .toList();
    }

    /** A service update as a swarm manager's engine gives it: stamped by the raft leader, scope swarm. */
    private static ScriptedEngine.Event swarmEvent(String service, long timeNano) {
        return new ScriptedEngine.Event(("{\"Type\":\"service\",\"Action\":\"update\",\"Actor\":{\"ID\":\"" + service
                + "\",\"Attributes\":{\"name\":\"" + service + "\"}},\"scope\":\"swarm\",\"time\":"
                + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}").getBytes(StandardCharsets.UTF_8),
                timeNano);
    }

    private static ScriptedEngine.Event event(String volume, long timeNano) {
        return new ScriptedEngine.Event(("{\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"" + volume
                + "\",\"Attributes\":{\"driver\":\"local\"}},\"scope\":\"local\",\"time\":"
                + timeNano / 1_000_000_000L + ",\"timeNano\":" + timeNano + "}").getBytes(StandardCharsets.UTF_8),
                timeNano);
    }
}
