package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * An idle listener sleeps until its next heartbeat (here an hour away) instead of waking every second to look for a
 * stop or the end of its stream: both wake it, so it still stops, and reconnects, at once. The engine is scripted, so
 * no other test's container event wakes the listener in their stead.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class IdleListenerTest {

    @Test
    void anIdleListenerStopsAtOnceOnSigterm(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        int metricsPort = ListenerProcess.freePort();
        try (ScriptedEngine engine = oneEvent();
             JavaProcess process = idle(listener, engine, metricsPort)) {
            awaitNothingDueBeforeTheHeartbeat(broker, listener, metricsPort);

            assertThat(process.terminate(Duration.ofSeconds(15))).as("SIGTERM exits 0").isZero();
            assertThat(process.output()).contains("stopping: disconnecting from the engine", "stopped")
                    .as("a start and a stop with nothing wrong warn of nothing (Kafka 4.2's checkpoint lookup "
                            + "warned of a partition no longer assigned)").doesNotContain(" WARN ");
            // Heartbeats an hour apart: the first at the start (a listener started again is heard at once), the
            // last at the stop, saying so (a forwarder then reports it stopped, not silent), after the event.
            TopicView topic = TopicView.read(broker, listener.topic);
            assertThat(topic.records()).extracting(TopicView.Published::kind).containsExactlyInAnyOrder("event",
                    "heartbeat", "heartbeat");
            List<TopicView.Published> heartbeats = topic.ofKind("heartbeat");
            assertThat(heartbeats.get(0).value().has("stopping")).as("the first").isFalse();
            TopicView.Published last = topic.records().get(topic.records().size() - 1);
            assertThat(last.kind()).isEqualTo("heartbeat");
            assertThat(last.value().path("stopping").asBoolean()).isTrue();
            assertThat(last.value().path("lastEventNano").asLong())
                    .isEqualTo(topic.events().get(0).value().path("timeNano").asLong());
            assertThat(process.output()).contains("published the last heartbeat: forwarders report host");
        }
    }

    @Test
    void anIdleListenerResumesAtOnceWhenTheEngineEndsItsStream(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        int metricsPort = ListenerProcess.freePort();
        try (ScriptedEngine engine = oneEvent();
             JavaProcess process = idle(listener, engine, metricsPort)) {
            awaitNothingDueBeforeTheHeartbeat(broker, listener, metricsPort);

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

    /**
     * The engine gone, the listener says so (dwb_listener_engine_connected 0, /healthz 503) and still commits a
     * heartbeat every interval, each counted in dwb_listener_transactions_total: DwbListenerStalled is Kafka's (or a
     * stuck process'), DwbListenerEngineUnreachable the engine's. Before, the gauge did not exist and the heartbeats of
     * an engine away were committed uncounted.
     */
    @Test
    void anEngineGoneIsSaidByItsGaugeWhileItsHeartbeatsAreStillCounted(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        int metricsPort = ListenerProcess.freePort();
        ScriptedEngine engine = oneEvent();
        boolean engineClosed = false;
        try (JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval", "2s",
                "--metrics-port", String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    TopicView.read(broker, listener.topic).events().size() == 1);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() ->
                    metric(metricsPort, "dwb_listener_engine_connected") == 1);

            engine.close();
            engineClosed = true;

            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                    metric(metricsPort, "dwb_listener_engine_connected") == 0);
            assertThat(ListenerProcess.http(metricsPort, "/healthz").getKey()).isEqualTo(503);
            double committed = metric(metricsPort, "dwb_listener_transactions_total");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(metric(metricsPort, "dwb_listener_transactions_total"))
                            .as("the heartbeats of an engine away, each a transaction").isGreaterThanOrEqualTo(
                                    committed + 2));
            assertThat(TopicView.read(broker, listener.topic).ofKind("heartbeat"))
                    .anySatisfy(h -> assertThat(h.value().path("engineConnected").asBoolean()).isFalse());
            assertThat(metric(metricsPort, "dwb_listener_engine_connected")).as("still away").isZero();
            assertThat(process.terminate(Duration.ofSeconds(15))).as("SIGTERM exits 0").isZero();
        } finally {
            if (!engineClosed) {
                engine.close();
            }
        }
    }

    /**
     * A quiet host's checkpoint, written once by its one event, then 5,000 checkpoints of other hosts in its partition
     * (a fleet's, for a while): its lookup read them all back, and did so again at every start and after every Kafka
     * failure, as long as the host stayed quiet. Started again, the idle listener writes the checkpoint it found again,
     * unchanged, with its first heartbeat: the next lookup reads one step, and finds the same checkpoint.
     */
    @Test
    void aQuietHostsCheckpointFoundBehindOtherHostsIsWrittenAgainSoTheNextLookupReadsOneStep(
            SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        int others = 5_000;
        try (ScriptedEngine engine = oneEvent()) {
            try (JavaProcess first = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval",
                    "1h")) {
                ListenerProcess.awaitConnected(first, 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> lookup(broker, listener).checkpoint().isPresent());
                assertThat(first.terminate(Duration.ofSeconds(15))).as("SIGTERM exits 0").isZero();
            }
            CheckpointStore.Lookup written = lookup(broker, listener);
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                for (int h = 0; h < others; h++) {
                    Checkpoint theirs = new Checkpoint(1_700_000_000_000_000_000L + h, String.format("%032x", h));
                    producer.send(new ProducerRecord<>(listener.checkpointTopic, written.partition().partition(),
                            HostIdentity.fromHostName("other-" + h).id().getBytes(StandardCharsets.UTF_8),
                            ContractJson.write(theirs)));
                }
            }
            CheckpointStore.Lookup behind = lookup(broker, listener);
            assertThat(behind.checkpoint()).isEqualTo(written.checkpoint());
            assertThat(behind.recordsRead()).as("everything written after it: two ranges, of 2,000 and 4,000")
                    .isGreaterThan(others);

            try (JavaProcess second = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval",
                    "1h")) {
                ListenerProcess.awaitConnected(second, 1);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(lookup(broker, listener)
                        .recordsRead()).as("written again at the end").isLessThanOrEqualTo(CheckpointStore.STEP));
                await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(second.output())
                        .contains("resumed: the engine replayed the checkpointed event, continuity proven"));
                assertThat(second.terminate(Duration.ofSeconds(15))).as("SIGTERM exits 0").isZero();
            }
            CheckpointStore.Lookup after = lookup(broker, listener);
            assertThat(after.checkpoint()).as("the same checkpoint, its recent events too")
                    .isEqualTo(written.checkpoint());
            assertThat(after.checkpoint().orElseThrow().recent()).isNotNull();
            assertThat(after.recordsRead()).isLessThanOrEqualTo(CheckpointStore.STEP);
            byte[] own = listener.identity().id().getBytes(StandardCharsets.UTF_8);
            assertThat(broker.readAll(listener.checkpointTopic)).filteredOn(r -> Arrays.equals(r.key(), own))
                    .filteredOn(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"eventId\""))
                    .as("the first run's, and the second's at its start only (not at its stop; a watch mark before "
                            + "the first event is no checkpoint)").hasSize(2);
            TopicView topic = TopicView.read(broker, listener.topic);
            assertThat(topic.events()).as("the replayed event is not published again").hasSize(1);
            assertThat(topic.ofKind("gap")).isEmpty();
        }
    }

    private static CheckpointStore.Lookup lookup(SharedKafka.Broker broker, ListenerProcess listener) {
        Properties client = new Properties();
        client.put("bootstrap.servers", broker.bootstrapServers());
        try (CheckpointStore store = new CheckpointStore(client, listener.checkpointTopic, "idle-listener-test")) {
            return store.lookup(listener.identity().id());
        }
    }

    private static double metric(int metricsPort, String series) throws Exception {
        return ListenerProcess.sample(ListenerProcess.http(metricsPort, "/metrics").getValue(), series);
    }

    private static ScriptedEngine oneEvent() throws java.io.IOException {
        long t0 = System.currentTimeMillis() * 1_000_000L;
        String event = "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"idle-1\",\"Attributes\":{}},"
                + "\"scope\":\"local\",\"time\":" + t0 / 1_000_000_000L + ",\"timeNano\":" + t0 + "}";
        return new ScriptedEngine(List.of(new ScriptedEngine.Event(event.getBytes(StandardCharsets.UTF_8), t0)));
    }

    private static JavaProcess idle(ListenerProcess listener, ScriptedEngine engine, int metricsPort)
            throws Exception {
        JavaProcess process = listener.start("--docker-host", engine.dockerHost(), "--heartbeat-interval", "1h",
                "--metrics-port", String.valueOf(metricsPort));
        ListenerProcess.awaitConnected(process, 1);
        return process;
    }

    /**
     * The event is committed and, 5 s later, the listener's one collection after it has run: from then on its next
     * wake-up of its own is the heartbeat, an hour away.
     */
    private static void awaitNothingDueBeforeTheHeartbeat(SharedKafka.Broker broker, ListenerProcess listener,
                                                          int metricsPort) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                TopicView.read(broker, listener.topic).events().size() == 1);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
                ListenerProcess.http(metricsPort, "/metrics").getValue().lines()
                        .anyMatch(l -> l.startsWith("dwb_listener_idle_collections_total ")
                                && Double.parseDouble(l.substring(l.indexOf(' ') + 1)) >= 1));
    }
}
