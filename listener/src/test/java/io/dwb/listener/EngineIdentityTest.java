package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A listener named by its engine (no {@code --host-name}) publishes only that engine's events under its identity:
 * its key, checkpoint and transactional id are made of the engine's ID.
 */
@ExtendWith(SharedKafka.class)
class EngineIdentityTest {
    /**
     * Podman's Docker API makes up a new ID at each GET /info: every start was a new host (what happened while the
     * listener was down lost without a gap, the old host said stopped), and two listeners on it never fenced each
     * other. Refused at start, exit 2 (a restart would not mend it), naming --host-name.
     */
    @Test
    void anEngineThatGivesANewIdAtEachLookIsRefusedAtStart(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = ListenerProcess.namedByTheEngine(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            engine.newIdAtEachInfo();
            try (JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
                assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.output()).isEqualTo(2);
                assertThat(process.output()).contains("error: the engine at " + engine.dockerHost() + " gives another "
                        + "ID at each GET /info (PODMAN-").contains("it cannot name this host; give --host-name");
            }
        }
    }

    /** An engine that says no ID cannot name this host: exit 2, not restarted (exit 1 was, every 10 s for good). */
    @Test
    void anEngineThatSaysNoIdIsAConfigurationError(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = ListenerProcess.namedByTheEngine(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            engine.answerInfo("{\"Name\":\"no-id\",\"ServerVersion\":\"29.0.0\"}");
            try (JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
                assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.output()).isEqualTo(2);
                assertThat(process.output()).contains("error: the engine at " + engine.dockerHost() + " reported no "
                        + "ID in GET /info; give --host-name");
            }
        }
    }

    /**
     * Another engine answering at the address after a reconnection (a reinstalled engine, /var/lib/docker wiped;
     * another host behind a name that fails over): its events were published under the first engine's name, key and
     * transactional id, an engine-restarted gap the only sign. The listener exits 1, to start again as that engine.
     */
    @Test
    void anotherEngineAtTheAddressAfterAReconnectionEndsTheListenerBeforeAnyOfItsEvents(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = ListenerProcess.namedByTheEngine(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            try (JavaProcess process = listener.start("--docker-host", engine.dockerHost())) {
                ListenerProcess.awaitConnected(process, 1);
                engine.becomeAnotherEngine();
                engine.endStreams();
                assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.output()).isEqualTo(1);
                assertThat(process.output()).contains("error: the engine at " + engine.dockerHost() + " is another "
                        + "engine now: GET /info says ID SCRIPTED-").contains("exiting, to start again as that engine");
                assertThat(ListenerProcess.count(process.output(), "subscribed to GET /events"))
                        .as("nothing of the other engine read").isEqualTo(1);
                List<TopicView.Published> heartbeats = TopicView.read(broker, listener.topic).ofKind("heartbeat");
                assertThat(heartbeats).isNotEmpty();
                assertThat(heartbeats.get(heartbeats.size() - 1).value().path("stopping").asBoolean())
                        .as("the first engine's host said stopped, not left silent").isTrue();
            }
        }
    }
}
