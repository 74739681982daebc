package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The forwarder makes its dead-letter topic on purpose at start, before any record needs it. */
@ExtendWith(SharedKafka.class)
class DeadLetterTopicTest {

    private static JavaProcess start(Broker broker, String events, String dlq, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                "--topic", events, "--group", "g-" + events, "--dlq-topic", dlq, "--wazuh-queue", "-"));
        args.addAll(List.of(extra));
        return JavaProcess.start(ForwarderCommand.class, Map.of(), args);
    }

    private static boolean exists(Broker broker, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listTopics().names().get().contains(topic);
        }
    }

    @Test
    void aStartCreatesTheDeadLetterTopicWithItsSettings(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String dlq = Broker.uniqueTopic("dlq");
        broker.createTopic(events, 1, Map.of());
        try (JavaProcess forwarder = start(broker, events, dlq, "--dlq-retention", "10d")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> exists(broker, dlq));
            // Listed is not yet described: the broker's metadata may lag the creation a moment.
            assertThat(broker.describeTopic(dlq).partitions()).hasSize(3);
            var config = broker.topicConfig(dlq);
            assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
                    .isEqualTo(String.valueOf(Duration.ofDays(10).toMillis()));
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
            assertThat(config.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG).value()).isEqualTo("LogAppendTime");
            assertThat(forwarder.terminate(Duration.ofSeconds(30))).as(forwarder.output()).isZero();
        }
    }

    /**
     * A forwarder whose clock is hours off (a host whose hardware clock keeps local time) still writes its dead
     * letters: the topic the bridge creates has the broker stamp them. Before, the broker refused each letter's
     * timestamp (Kafka's {@code message.timestamp.after.max.ms}, 1 h) and every alert of the forwarder waited behind
     * it; on a topic made before (the producer's time), it still waits, and the reason says the clock and the fix.
     */
    @Test
    void aForwarderWhoseClockIsHoursFastStillWritesItsDeadLetters(Broker broker) throws Exception {
        String dlq = Broker.uniqueTopic("dlq");
        String before = Broker.uniqueTopic("dlq-before");
        broker.createTopic(dlq, 1, TopicSpec.deadLetters(dlq, 1, Duration.ofDays(30)).configs());
        broker.createTopic(before, 1, Map.of(TopicConfig.RETENTION_MS_CONFIG, "2592000000"));
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        LongSupplier twoHoursFast = () -> System.currentTimeMillis() + Duration.ofHours(2).toMillis();
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("docker-events", 0, 7, "h-id".getBytes(),
                "not json".getBytes());
        Classified.Invalid invalid = new Classified.Invalid(DeadLetterReason.NOT_JSON, "not JSON");

        long start = System.currentTimeMillis();
        try (DeadLetterQueue letters = new DeadLetterQueue(dlq, kafka, twoHoursFast)) {
            assertThat(letters.publish(record, invalid)).isEqualTo(DeadLetterQueue.Omitted.NOTHING);
        }
        assertThat(broker.readAll(dlq)).singleElement().satisfies(letter -> {
            assertThat(letter.timestamp()).as("the broker's time").isBetween(start - 1_000,
                    System.currentTimeMillis() + 1_000);
            assertThat(new String(letter.value())).isEqualTo("not json");
        });

        try (DeadLetterQueue letters = new DeadLetterQueue(before, kafka, twoHoursFast)) {
            assertThatThrownBy(() -> letters.publish(record, invalid)).isInstanceOf(DeadLetterQueue.DeadLetterUnavailable.class)
                    .hasMessageContaining("this host's clock is further from the broker's")
                    .hasMessageContaining("--entity-name " + before
                            + " --add-config message.timestamp.type=LogAppendTime");
        }
        assertThat(broker.readAll(before)).isEmpty();
    }

    @Test
    void kafkaNotAnsweringWhenTheTopicIsCheckedIsOneErrorLineAndExit1() throws Exception {
        Path kafkaConfig = Files.writeString(Files.createTempFile("dwb-kafka", ".properties"),
                "default.api.timeout.ms=3000\n");
        List<String> args = List.of("--bootstrap-servers", "127.0.0.1:1", "--wazuh-queue", "-",
                "--kafka-config", kafkaConfig.toString());
        try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
            assertThat(forwarder.waitFor(Duration.ofSeconds(60))).as(forwarder.output()).isEqualTo(1);
            assertThat(forwarder.output()).contains("error: cannot reach Kafka at 127.0.0.1:1 (no answer within "
                    + "default.api.timeout.ms, 3000 ms)");
        }
    }

    @Test
    void withCreateTopicsFalseAMissingDeadLetterTopicIsOneErrorLineAndExit2(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String dlq = Broker.uniqueTopic("dlq");
        broker.createTopic(events, 1, Map.of());
        try (JavaProcess forwarder = start(broker, events, dlq, "--create-topics", "false")) {
            assertThat(forwarder.waitFor(Duration.ofSeconds(60))).as(forwarder.output()).isEqualTo(2);
            assertThat(Arrays.stream(forwarder.output().split("\\R")).filter(l -> l.startsWith("error:")))
                    .singleElement().asString()
                    .startsWith("error: topic " + dlq + " does not exist and --create-topics is false: create it "
                            + "with 3 partitions, replication factor 1, min.insync.replicas=1, cleanup.policy=delete, "
                            + "retention.ms=2592000000");
        }
        assertThat(exists(broker, dlq)).isFalse();
    }
}
