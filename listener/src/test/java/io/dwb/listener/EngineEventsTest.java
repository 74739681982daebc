package io.dwb.listener;

import static io.dwb.listener.ListenerProcess.sample;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Acceptance 1: every event the engine reports for a period is on the topic once, in order, as the engine sent it. */
@ExtendWith(SharedKafka.class)
class EngineEventsTest {

    @Test
    void containerNetworkAndVolumeEventsArePublishedOnceInEngineOrderWithTheContractsKeyTimestampAndHeaders(
            SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String name = TestEngine.uniqueName("events");
        int metricsPort = ListenerProcess.freePort();
        try (TestEngine engine = new TestEngine();
             JavaProcess process = listener.start("--heartbeat-interval", "2s", "--metrics-port",
                     String.valueOf(metricsPort))) {
            ListenerProcess.awaitConnected(process, 1);
            long since = engine.engineNowNanos();
            try {
                var c = engine.client();
                String id = engine.startSleeper(name);
                c.pauseContainerCmd(id).exec();
                c.unpauseContainerCmd(id).exec();
                c.stopContainerCmd(id).withTimeout(1).exec();
                c.startContainerCmd(id).exec();
                c.killContainerCmd(id).exec();
                c.removeContainerCmd(id).withForce(true).exec();
                String network = c.createNetworkCmd().withName(name + "-net").withDriver("bridge").exec().getId();
                c.removeNetworkCmd(network).exec();
                c.createVolumeCmd().withName(name + "-vol").exec();
                c.removeVolumeCmd(name + "-vol").exec();
            } finally {
                engine.removeQuietly(name);
            }
            long until = engine.engineNowNanos();
            List<JsonNode> reported = engine.events(since, until);
            assertThat(reported.stream().filter(TopicView.named(name)).count())
                    .as("the engine reports our own actions").isGreaterThanOrEqualTo(14);

            Set<JsonNode> expected = new HashSet<>(reported);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    TopicView.read(broker, listener.topic).eventValues(expected::contains))
                    .as("every reported event, in engine order").containsExactlyElementsOf(reported));

            // A heartbeat interval passes, so the topic also shows the listener is alive.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    !TopicView.read(broker, listener.topic).ofKind("heartbeat").isEmpty());
            TopicView view = TopicView.read(broker, listener.topic);
            HostIdentity host = listener.identity();
            Set<String> ids = new HashSet<>();
            ContractSchemas schemas = new ContractSchemas();
            for (TopicView.Published p : view.events()) {
                assertThat(ids.add(p.eventId())).as("event-id %s published once", p.eventId()).isTrue();
                assertThat(p.key()).isEqualTo(host.id());
                assertThat(p.host()).isEqualTo(listener.hostName);
                assertThat(p.hostId()).isEqualTo(host.id());
                assertThat(p.eventId()).isEqualTo(EventId.of(host.id(), p.value()));
                assertThat(p.contractVersion()).as("contract-version").isEqualTo("1");
                assertThat(p.timestamp()).isEqualTo(p.value().get("timeNano").asLong() / 1_000_000L);
                assertThat(schemas.validate(RecordKind.EVENT, p.value())).isEmpty();
            }
            TopicView.Published heartbeat = view.ofKind("heartbeat").get(0);
            assertThat(schemas.validate(RecordKind.HEARTBEAT, heartbeat.value())).isEmpty();
            assertThat(heartbeat.value().get("engineConnected").asBoolean()).isTrue();
            assertThat(heartbeat.key()).isEqualTo(host.id());
            assertThat(heartbeat.contractVersion()).as("contract-version").isEqualTo("1");
            assertThat(view.ofKind("gap")).as("a first start has nothing to prove").isEmpty();

            // The engine's own JSON, field for field: scope and the legacy fields are kept.
            JsonNode start = reported.stream().filter(TopicView.named(name))
                    .filter(e -> e.path("Action").asText().equals("start")).findFirst().orElseThrow();
            JsonNode published = view.eventValues(e -> e.equals(start)).get(0);
            assertThat(fieldNames(published)).isEqualTo(fieldNames(start)).contains("scope", "timeNano", "Actor");

            assertThat(ListenerProcess.http(metricsPort, "/healthz").getKey()).isEqualTo(200);
            String metrics = ListenerProcess.http(metricsPort, "/metrics").getValue();
            assertThat(metrics).contains("dwb_listener_events_read_total", "dwb_listener_gaps_total 0",
                    "dwb_listener_reconnects_total 0", "dwb_listener_queue_depth",
                    "dwb_listener_commit_duration_seconds_count",
                    "dwb_listener_commit_step_duration_seconds_count{step=\"records\"}",
                    "dwb_listener_commit_step_duration_seconds_count{step=\"end\"}");
            assertThat(sample(metrics, "dwb_listener_publish_latency_seconds_count")).isPositive();
            assertThat(Arrays.asList(sample(metrics, "dwb_listener_read_latency_seconds_count"),
                    sample(metrics, "dwb_listener_commit_wait_seconds_count")))
                    .as("every event published is measured at each step")
                    .containsOnly(sample(metrics, "dwb_listener_publish_latency_seconds_count"));
            assertThat(sample(metrics, "dwb_listener_events_published_total")).isGreaterThanOrEqualTo(reported.size());

            assertThat(process.terminate(Duration.ofSeconds(30))).as("SIGTERM exits 0").isZero();
            assertThat(process.output()).contains("stopped").doesNotContain("Exception");
            var checkpoints = broker.readAll(listener.checkpointTopic);
            JsonNode last = ContractJson.tree(checkpoints.get(checkpoints.size() - 1).value());
            assertThat(new ContractSchemas().validateCheckpoint(last)).isEmpty();
            TopicView after = TopicView.read(broker, listener.topic);
            TopicView.Published lastEvent = after.events().get(after.events().size() - 1);
            assertThat(last.get("eventId").asText()).as("the checkpoint is the last event published")
                    .isEqualTo(lastEvent.eventId());
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

}
