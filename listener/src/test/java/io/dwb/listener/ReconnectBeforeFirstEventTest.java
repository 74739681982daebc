package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener that has read no event yet (a quiet host just after its first start) loses its engine connection: with
 * no checkpoint, what proves that the engine kept what was made meanwhile is an event from before the listener began
 * watching, still in the engine's buffer; when the engine no longer has one, a gap says what may be lost.
 */
@ExtendWith(SharedKafka.class)
class ReconnectBeforeFirstEventTest {
    /** What the listener's first start looks back (CaptureLoop), with a margin. */
    private static final Duration BEFORE_THE_WATCH = Duration.ofMillis(2_500);

    @Test
    void eventsMadeWhileAwayArePublishedOnceWithoutAGapWhenTheEngineStillHasOlderOnes(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("nocheckpoint-kept");
        try (PrivateEngine engine = PrivateEngine.start()) { // nobody else's events in its buffer
            try (Away away = awayBeforeTheFirstEvent(engine, broker, listener, prefix, 3)) {
                JavaProcess process = away.process();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        count(broker, listener, prefix + "-away-", "create") == 3);
                TopicView view = TopicView.read(broker, listener.topic);
                assertThat(view.ofKind("gap")).as("the engine kept everything: no gap").isEmpty();
                assertThat(count(broker, listener, prefix + "-before", "create")).as("made before the watch")
                        .isZero();
                assertEachOnce(view);
                assertThat(process.output()).contains("the engine still had events from before the listener began "
                        + "watching, continuity proven");
                assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            } finally {
                removeVolumes(engine, prefix, 3);
            }
        }
    }

    @Test
    void moreThan256EventsWhileAwayAreAGapFromTheStartOfTheWatch(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("nocheckpoint-lost");
        int volumes = 150; // create + destroy each: 300 events, more than the engine's 256
        try (PrivateEngine engine = PrivateEngine.start()) {
            try (Away away = awayBeforeTheFirstEvent(engine, broker, listener, prefix, volumes)) {
                JavaProcess process = away.process();
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        count(broker, listener, prefix + "-away-" + (volumes - 1), "destroy") == 1);
                TopicView view = TopicView.read(broker, listener.topic);
                List<TopicView.Published> gaps = view.ofKind("gap");
                assertThat(gaps).as("the engine dropped events made while the listener was away: one gap")
                        .hasSize(1);
                JsonNode gap = gaps.get(0).value();
                assertThat(gap.get("reason").asText()).isEqualTo("engine-restarted");
                assertThat(gap.get("lastEventId").isNull()).as("no event read to name").isTrue();
                assertThat(gap.get("detail").asText()).contains("no event from before the listener began watching");
                // The window starts with the watch, before anything made while away, and ends at the first event kept.
                assertThat(gap.get("fromNano").asLong()).isLessThan(away.cutAtNanos().get());
                List<TopicView.Published> all = view.records();
                int at = all.indexOf(gaps.get(0));
                TopicView.Published firstAfter = all.subList(at, all.size()).stream()
                        .filter(p -> p.kind().equals("event")).findFirst().orElseThrow();
                assertThat(firstAfter.value().get("timeNano").asLong()).as("the window ends at the first event kept")
                        .isEqualTo(gap.get("toNano").asLong());
                assertThat(all.subList(0, at).stream().filter(p -> p.kind().equals("event"))).as("nothing before it")
                        .isEmpty();
                assertThat(count(broker, listener, prefix + "-away-0", "create")).as("dropped by the engine")
                        .isZero();
                assertEachOnce(view);
                assertThat(process.output()).contains("gap: events between " + ContractJson.rfc3339(
                        gap.get("fromNano").asLong()));
                assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            } finally {
                removeVolumes(engine, prefix, volumes);
            }
        }
    }

    /**
     * The engine restarted under a listener that has read nothing (a quiet host just after its first start): what the
     * engine made before it went down is gone with it, unseen, and a gap says so; restarted again, the next gap
     * reaches back to when the last one was decided, not to the first start.
     */
    @Test
    void aQuietEngineRestartedBeforeAnyEventIsAGapEachTimeFromTheLastOneOn(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (PrivateEngine engine = PrivateEngine.start();
             JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
            ListenerProcess.awaitConnected(process, 1);
            long started = ContractJson.epochNanosNow();
            for (int restart = 1; restart <= 2; restart++) {
                engine.stopDaemon();
                engine.startDaemon();
                ListenerProcess.awaitConnected(process, restart + 1);
                int gaps = restart;
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TopicView.read(broker, listener.topic).ofKind("gap").size() == gaps);
            }
            List<TopicView.Published> gaps = TopicView.read(broker, listener.topic).ofKind("gap");
            JsonNode first = gaps.get(0).value();
            JsonNode second = gaps.get(1).value();
            assertThat(first.get("reason").asText()).isEqualTo("engine-restarted");
            assertThat(first.get("fromNano").asLong()).as("from the first start's watch").isLessThan(started);
            assertThat(first.get("lastEventId").isNull()).isTrue();
            assertThat(second.get("fromNano").asLong()).as("from when the first gap was decided, less the look-back")
                    .isGreaterThan(first.get("toNano").asLong() - 3_000_000_000L)
                    .isGreaterThan(first.get("fromNano").asLong());
            assertThat(TopicView.read(broker, listener.topic).events()).isEmpty();
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    /** The listener, the proxy it reaches the engine through, and the engine's clock when it was cut off. */
    private record Away(BlackHoleProxy proxy, JavaProcess process, AtomicLong cutAtNanos) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try (proxy) {
                process.close();
            }
        }
    }

    /**
     * A volume made before the listener starts, the listener started through a proxy and cut off from the engine
     * before it read any event, {@code volumes} volumes made and removed meanwhile (created only, for 3 or fewer),
     * then the proxy healed: returns the listener, reconnected.
     */
    private static Away awayBeforeTheFirstEvent(PrivateEngine engine, SharedKafka.Broker broker,
                                                       ListenerProcess listener, String prefix, int volumes)
            throws Exception {
        engine.client().createVolumeCmd().withName(prefix + "-before").exec();
        engine.awaitClockPast(BEFORE_THE_WATCH); // older than the first start's look-back
        BlackHoleProxy proxy = BlackHoleProxy.to(engine.dockerHost());
        JavaProcess process = listener.start("--docker-host", proxy.dockerHost(), "--engine-probe-interval", "2s",
                "--engine-probe-timeout", "1s", "--heartbeat-interval", "1s");
        Away away = new Away(proxy, process, new AtomicLong());
        try {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !TopicView.read(broker, listener.topic).ofKind("heartbeat").isEmpty());
            assertThat(TopicView.read(broker, listener.topic).events()).as("no event read before the cut").isEmpty();
            away.cutAtNanos().set(ContractJson.epochNanosNow()); // the engine's clock (this host's) at the cut
            proxy.blackHole();
            for (int i = 0; i < volumes; i++) {
                engine.client().createVolumeCmd().withName(prefix + "-away-" + i).exec(); // straight to the engine
                if (volumes > 3) {
                    engine.client().removeVolumeCmd(prefix + "-away-" + i).exec();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    process.output().contains("disconnected from the Docker engine"));
            proxy.heal();
            ListenerProcess.awaitConnected(process, 2);
            return away;
        } catch (Exception | AssertionError e) {
            away.close();
            throw e;
        }
    }

    private static void assertEachOnce(TopicView view) {
        Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(TopicView.Published::eventId,
                Collectors.counting()));
        assertThat(ids.values()).allMatch(n -> n == 1);
    }

    /** Events of volumes named {@code name} or starting with it, when it ends with a dash. */
    private static long count(SharedKafka.Broker broker, ListenerProcess listener, String name, String action) {
        return TopicView.read(broker, listener.topic).eventValues(e -> {
            String id = e.path("Actor").path("ID").asText();
            return (name.endsWith("-") ? id.startsWith(name) : id.equals(name))
                    && e.path("Action").asText().equals(action);
        }).size();
    }

    private static void removeVolumes(PrivateEngine engine, String prefix, int volumes) {
        removeQuietly(engine, prefix + "-before");
        for (int i = 0; i < volumes; i++) {
            removeQuietly(engine, prefix + "-away-" + i);
        }
    }

    private static void removeQuietly(PrivateEngine engine, String volume) {
        try {
            engine.client().removeVolumeCmd(volume).exec();
        } catch (RuntimeException e) {
            // not made, or removed by the test
        }
    }
}
