package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code listener --check}: one line a check, exit 0 only when all pass, and nothing created or fenced. */
@ExtendWith(SharedKafka.class)
class ListenerCheckTest {

    @Test
    void aWorkingSetupIsAllOkAndNothingIsCreated(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        List<String> lines = check(listener, 0);
        assertThat(lines).hasSize(6);
        assertThat(lines.get(0)).isEqualTo("ok    configuration: valid");
        assertThat(lines.get(1)).startsWith("ok    docker engine: ").contains(" answers: engine ");
        assertThat(lines.get(2)).startsWith("ok    kafka: 1 broker(s) at " + broker.bootstrapServers());
        assertThat(lines.get(3)).isEqualTo("ok    topic " + listener.topic
                + ": missing: created at start (--create-topics true)");
        assertThat(lines.get(4)).startsWith("ok    topic " + listener.checkpointTopic + ": missing");
        assertThat(lines.get(5)).isEqualTo("ok    transactional id: " + listener.identity().transactionalId()
                + ": not used yet (a first start)");
        try (Admin admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).doesNotContain(listener.topic, listener.checkpointTopic);
        }
    }

    @Test
    void eachProblemIsOneFailLineAndTheExitIsOne(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (Admin admin = broker.admin()) {
            // An events topic that compaction would empty of all but the last record of each host.
            admin.createTopics(List.of(new NewTopic(listener.topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        List<String> lines = check(listener, 1, "--docker-host", "unix:///nonexistent/docker.sock",
                "--create-topics", "false");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("FAIL  docker engine: ")
                .contains("/nonexistent/docker.sock"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic " + listener.topic + ": ")
                .contains("cleanup.policy=compact"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("FAIL  topic " + listener.checkpointTopic
                + ": ").contains("does not exist and --create-topics is false"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("ok    kafka: "));
        assertThat(lines).as("every check ran").hasSize(6);
    }

    /**
     * The run refuses an engine that says no ID (its records' key and its transactional id are made of it); --check
     * said ok of it, and printed the engine's name as it came, a line break and all.
     */
    @Test
    void anEngineThatSaysNoIdFailsTheCheckAsItFailsTheRun(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = ListenerProcess.namedByTheEngine(broker);
        try (ScriptedEngine engine = new ScriptedEngine(List.of())) {
            engine.answerInfo("{\"Name\":\"ok    forged line\\nsecond\",\"ServerVersion\":\"29.0.0\"}");
            List<String> lines = check(listener, 1, "--docker-host", engine.dockerHost());
            assertThat(lines).hasSize(6);
            assertThat(lines.get(1)).isEqualTo("FAIL  docker engine: the engine at " + engine.dockerHost()
                    + " reported no ID in GET /info; give --host-name");
            assertThat(lines.get(5)).startsWith("FAIL  transactional id: unknown");

            lines = check(listener, 0, "--docker-host", engine.dockerHost(), "--host-name", "web-1");
            assertThat(lines.get(1)).isEqualTo("ok    docker engine: " + engine.dockerHost()
                    + " answers: engine ok    forged line\\nsecond (id ), Docker 29.0.0");
            assertThat(lines.get(5)).startsWith("ok    transactional id: docker-listener-"
                    + HostIdentity.fromHostName("web-1").id());
        }
    }

    private static List<String> check(ListenerProcess listener, int expectedExit, String... extra)
            throws Exception {
        String[] args = new String[extra.length + 1];
        args[0] = "--check";
        System.arraycopy(extra, 0, args, 1, extra.length);
        try (JavaProcess p = listener.start(args)) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isEqualTo(expectedExit);
            return Arrays.stream(p.output().split("\\R")).filter(l -> l.startsWith("ok ") || l.startsWith("FAIL "))
                    .toList();
        }
    }
}
