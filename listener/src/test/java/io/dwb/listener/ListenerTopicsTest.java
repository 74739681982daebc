package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/** The listener creates its topics as a fleet needs them, or refuses, with one line, topics it cannot work with. */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class ListenerTopicsTest {

    private static List<String> errorLines(String output) {
        return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith("error:")).toList();
    }

    @Test
    void aFirstStartCreatesBothTopicsWithTheDefaults(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        try (JavaProcess process = listener.start()) {
            ListenerProcess.awaitConnected(process, 1);
            assertThat(broker.describeTopic(listener.topic).partitions()).hasSize(12);
            assertThat(broker.describeTopic(listener.checkpointTopic).partitions()).hasSize(12);
            assertThat(broker.topicConfig(listener.checkpointTopic).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .isEqualTo("compact");
            assertThat(broker.topicConfig(listener.topic).get(TopicConfig.RETENTION_MS_CONFIG).value())
                    .isEqualTo(String.valueOf(Duration.ofDays(7).toMillis()));
            assertThat(process.output()).contains("created topic " + listener.topic + ": 12 partitions");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void withCreateTopicsFalseAMissingTopicIsOneErrorLineAndExit2(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        broker.createTopic(listener.topic, 12, Map.of());
        try (JavaProcess process = listener.start("--create-topics", "false")) {
            assertThat(process.waitFor(Duration.ofSeconds(90))).as(process.output()).isEqualTo(2);
            assertThat(errorLines(process.output())).singleElement().asString()
                    .startsWith("error: topic " + listener.checkpointTopic + " does not exist and --create-topics "
                            + "is false: create it with 12 partitions")
                    .contains("cleanup.policy=compact");
            assertThat(process.output()).doesNotContain("\tat ");
        }
        try (Admin admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).doesNotContain(listener.checkpointTopic);
        }
        assertThat(broker.readAll(listener.topic)).as("nothing published").isEmpty();
    }

    @Test
    void aCheckpointTopicThatIsNotCompactedIsRefusedAndNothingIsPublished(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        broker.createTopic(listener.checkpointTopic, 12, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete"));
        try (JavaProcess process = listener.start()) {
            assertThat(process.waitFor(Duration.ofSeconds(90))).as(process.output()).isEqualTo(2);
            assertThat(errorLines(process.output())).singleElement().asString()
                    .startsWith("error: topic " + listener.checkpointTopic + " has cleanup.policy=delete but needs "
                            + "cleanup.policy=compact");
        }
        try (Admin admin = broker.admin()) {
            assertThat(admin.listTopics().names().get()).as("the refusal leaves the cluster as it was")
                    .doesNotContain(listener.topic);
        }
    }
}
