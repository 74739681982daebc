package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener stopped before it read any event (a quiet host, restarted for an upgrade): its next start resumes the
 * watch its mark on the checkpoints topic says began, so what the engine made while it was down is published. It
 * started again as a first start, from now, and nothing it missed was looked for or said.
 */
@ExtendWith(SharedKafka.class)
class StoppedBeforeFirstEventTest {
    /** What the listener's first start looks back (CaptureLoop), with a margin. */
    private static final Duration BEFORE_THE_WATCH = Duration.ofMillis(2_500);

    @Test
    void whatTheEngineMadeWhileItWasStoppedIsPublishedAtItsNextStartWithoutAGap(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("watch-mark");
        try (PrivateEngine engine = PrivateEngine.start()) { // nobody else's events in its buffer
            try {
                engine.client().createVolumeCmd().withName(prefix + "-before").exec();
                engine.awaitClockPast(BEFORE_THE_WATCH); // older than the first start's look-back
                try (JavaProcess first = listener.start("--docker-host", engine.dockerHost(),
                        "--heartbeat-interval", "1s")) {
                    ListenerProcess.awaitConnected(first, 1);
                    // Its first heartbeats committed (the first carries its watch mark, when it writes one).
                    await().atMost(Duration.ofSeconds(30)).until(() ->
                            TopicView.read(broker, listener.topic).ofKind("heartbeat").size() >= 2);
                    assertThat(TopicView.read(broker, listener.topic).events()).as("nothing read").isEmpty();
                    assertThat(first.terminate(Duration.ofSeconds(30))).isZero();
                }
                for (int i = 0; i < 3; i++) {
                    engine.client().createVolumeCmd().withName(prefix + "-away-" + i).exec();
                }
                try (JavaProcess second = listener.start("--docker-host", engine.dockerHost())) {
                    await().atMost(Duration.ofSeconds(60)).until(() ->
                            count(broker, listener, prefix + "-away-") == 3);
                    TopicView view = TopicView.read(broker, listener.topic);
                    assertThat(view.ofKind("gap")).as("the engine kept everything: no gap").isEmpty();
                    assertThat(count(broker, listener, prefix + "-before")).as("made before the watch").isZero();
                    Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                            TopicView.Published::eventId, Collectors.counting()));
                    assertThat(ids.values()).as("each once").allMatch(n -> n == 1);
                    assertThat(second.output()).contains("no event read yet: watching again since")
                            .contains("the engine still had events from before the listener began watching, "
                                    + "continuity proven");
                    assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
                    assertThat(watchMarks(broker, listener)).as("the marks of the watch, then its events' checkpoint")
                            .isPositive();
                }
            } finally {
                for (String volume : List.of(prefix + "-before", prefix + "-away-0", prefix + "-away-1",
                        prefix + "-away-2")) {
                    try {
                        engine.client().removeVolumeCmd(volume).exec();
                    } catch (RuntimeException e) {
                        // not made
                    }
                }
            }
        }
    }

    /**
     * The engine restarted while the listener was stopped: it no longer has what it made before, so nothing proves
     * that the watch missed nothing, and a gap from the watch's start says so; what the engine made since is
     * published. Before, the next start was a first start, and said nothing.
     */
    @Test
    void anEngineRestartedWhileItWasStoppedIsAGapFromTheWatchsStart(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("watch-mark-restart");
        try (PrivateEngine engine = PrivateEngine.start()) {
            long watchedFrom;
            try (JavaProcess first = listener.start("--docker-host", engine.dockerHost(),
                    "--heartbeat-interval", "1s")) {
                ListenerProcess.awaitConnected(first, 1);
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        TopicView.read(broker, listener.topic).ofKind("heartbeat").size() >= 2);
                watchedFrom = io.dwb.schemas.ContractJson.epochNanosNow();
                assertThat(first.terminate(Duration.ofSeconds(30))).isZero();
            }
            engine.stopDaemon();
            engine.startDaemon();
            try {
                engine.client().createVolumeCmd().withName(prefix + "-after").exec();
                try (JavaProcess second = listener.start("--docker-host", engine.dockerHost(),
                        "--continuity-wait", "1s")) {
                    await().atMost(Duration.ofSeconds(60)).until(() ->
                            count(broker, listener, prefix + "-after") == 1);
                    List<TopicView.Published> gaps = TopicView.read(broker, listener.topic).ofKind("gap");
                    assertThat(gaps).hasSize(1);
                    var gap = gaps.get(0).value();
                    assertThat(gap.get("reason").asText()).isEqualTo("checkpoint-not-replayed");
                    assertThat(gap.get("detail").asText()).contains("the listener was not running");
                    assertThat(gap.get("fromNano").asLong()).as("from the first start's watch")
                            .isLessThan(watchedFrom);
                    assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
                }
            } finally {
                try {
                    engine.client().removeVolumeCmd(prefix + "-after").exec();
                } catch (RuntimeException e) {
                    // not made
                }
            }
        }
    }

    /**
     * A restart's gap reaches back to where the watch was last decided (an engine restart under the running listener,
     * its gap said then), not to the first start: the mark moves when the check decides, and a SIGKILL writes nothing
     * more.
     */
    @Test
    void aRestartAfterAKillReachesBackToTheLastDecidedWatchNotTheFirst(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (PrivateEngine engine = PrivateEngine.start()) {
            long firstWatch;
            long reconnected;
            try (JavaProcess first = listener.start("--docker-host", engine.dockerHost(),
                    "--heartbeat-interval", "1s", "--continuity-wait", "1s")) {
                ListenerProcess.awaitConnected(first, 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> newestWatchMark(broker, listener) > 0);
                firstWatch = newestWatchMark(broker, listener);
                engine.stopDaemon();
                engine.startDaemon();
                ListenerProcess.awaitConnected(first, 2);
                reconnected = io.dwb.schemas.ContractJson.epochNanosNow();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        TopicView.read(broker, listener.topic).ofKind("gap").size() == 1);
                // The watch begun with the reconnection (its look-back, 2 s, before it), marked once decided.
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        newestWatchMark(broker, listener) > reconnected - 5_000_000_000L);
                first.kill();
            }
            engine.stopDaemon();
            engine.startDaemon();
            try (JavaProcess second = listener.start("--docker-host", engine.dockerHost(),
                    "--continuity-wait", "1s")) {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TopicView.read(broker, listener.topic).ofKind("gap").size() == 2);
                var gap = TopicView.read(broker, listener.topic).ofKind("gap").get(1).value();
                assertThat(gap.get("reason").asText()).isEqualTo("checkpoint-not-replayed");
                assertThat(gap.get("fromNano").asLong()).as("from the reconnection's watch, not the first (%d)",
                        firstWatch).isGreaterThan(reconnected - 5_000_000_000L);
                assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
            }
        }
    }

    /** The newest of the host's watch marks on the checkpoints topic, 0 for none. */
    private static long newestWatchMark(SharedKafka.Broker broker, ListenerProcess listener) throws Exception {
        long newest = 0;
        for (ConsumerRecord<byte[], byte[]> r : broker.readAll(listener.checkpointTopic)) {
            if (r.value() != null) {
                var value = io.dwb.schemas.ContractJson.tree(r.value());
                if (value.has("watchingSince")) {
                    newest = value.get("watchingSince").asLong();
                }
            }
        }
        return newest;
    }

    /** The host's watch marks on the checkpoints topic. */
    private static long watchMarks(SharedKafka.Broker broker, ListenerProcess listener) {
        List<ConsumerRecord<byte[], byte[]>> records = broker.readAll(listener.checkpointTopic);
        return records.stream().filter(r -> r.value() != null
                && new String(r.value(), StandardCharsets.UTF_8).contains("\"watchingSince\"")).count();
    }

    /** Create events of volumes named {@code name} or starting with it, when it ends with a dash. */
    private static long count(SharedKafka.Broker broker, ListenerProcess listener, String name) {
        return TopicView.read(broker, listener.topic).eventValues(e -> {
            String id = e.path("Actor").path("ID").asText();
            return (name.endsWith("-") ? id.startsWith(name) : id.equals(name))
                    && e.path("Action").asText().equals("create");
        }).size();
    }
}
