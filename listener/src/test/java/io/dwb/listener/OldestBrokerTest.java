package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.time.Duration;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A listener on the oldest Kafka tested (pom.xml's {@code kafka.oldest.version}), whose brokers do not know
 * {@code max.decompressed.message.bytes} and refuse a topic that sets it: the listener creates its topics without
 * that setting rather than not at all (it exited 2 with "Unknown topic config name" before), says at every start
 * what the cluster cannot bound, and publishes (its heartbeats) as on any broker.
 */
@Execution(ExecutionMode.CONCURRENT)
class OldestBrokerTest {
    private static final String SETTING = TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG;

    @Test
    void topicsAreCreatedWithoutTheDecompressedBoundAndTheListenerSaysSo() throws Exception {
        try (SharedKafka.Broker broker = SharedKafka.startOldestBroker()) {
            ListenerProcess listener = new ListenerProcess(broker);
            try (JavaProcess process = listener.start("--heartbeat-interval", "1s")) {
                ListenerProcess.awaitConnected(process, 1);
                assertThat(broker.topicConfig(listener.topic).get(TopicConfig.RETENTION_MS_CONFIG).value())
                        .isEqualTo(String.valueOf(Duration.ofDays(7).toMillis()));
                assertThat(broker.topicConfig(listener.checkpointTopic).get(SETTING)).isNull();
                assertThat(process.output()).contains("created topic " + listener.topic)
                        .contains("WARN").contains("does not know " + SETTING)
                        .contains("--entity-name " + listener.topic + " --add-config " + SETTING + "="
                                + TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES)
                        .contains("--entity-name " + listener.checkpointTopic + " --add-config " + SETTING);
                await("a heartbeat published").atMost(Duration.ofSeconds(30))
                        .until(() -> !broker.readAll(listener.topic).isEmpty());
                assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
            }
            try (JavaProcess again = listener.start()) {
                ListenerProcess.awaitConnected(again, 1);
                assertThat(again.output()).as("the existing topics, checked at the next start")
                        .contains("the brokers of topic " + listener.topic + " do not know " + SETTING)
                        .contains("the brokers of topic " + listener.checkpointTopic + " do not know " + SETTING);
                assertThat(again.terminate(Duration.ofSeconds(30))).isZero();
            }
        }
    }
}
