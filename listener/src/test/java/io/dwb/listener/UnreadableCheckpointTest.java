package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The host's value on the checkpoints topic is not a checkpoint (garbage, or JSON that is not one): the listener
 * says so, publishes a gap with reason {@code checkpoint-unreadable} and a state record, and captures from now on
 * instead of exiting 1 at every start.
 */
@ExtendWith(SharedKafka.class)
class UnreadableCheckpointTest {

    @Test
    void anUnreadableCheckpointGivesAGapWithItsOwnReasonAndCaptureGoesOn(SharedKafka.Broker broker) throws Exception {
        for (String garbage : List.of("\u0000not json at all", "{\"timeNano\":\"soon\",\"eventId\":\"x\"}")) {
            ListenerProcess listener = new ListenerProcess(broker);
            writeCheckpointValue(broker, listener, garbage.getBytes(StandardCharsets.UTF_8));
            String volume = TestEngine.uniqueName("after-unreadable");
            try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start()) {
                ListenerProcess.awaitConnected(process, 1);
                try {
                    engine.client().createVolumeCmd().withName(volume).exec();
                    await().atMost(Duration.ofSeconds(60)).until(() -> !TopicView.read(broker, listener.topic)
                            .eventValues(TopicView.named(volume)).isEmpty());
                } finally {
                    engine.client().removeVolumeCmd(volume).exec();
                }
                List<TopicView.Published> records = TopicView.read(broker, listener.topic).records();
                assertThat(records.get(0).kind()).as("the gap first").isEqualTo("gap");
                JsonNode gap = records.get(0).value();
                assertThat(new ContractSchemas().validate(RecordKind.GAP, gap)).isEmpty();
                assertThat(gap.get("reason").asText()).isEqualTo(GapReason.CHECKPOINT_UNREADABLE.code());
                assertThat(gap.get("fromNano").asLong()).isLessThanOrEqualTo(gap.get("toNano").asLong());
                assertThat(gap.get("lastEventId").isNull()).isTrue();
                assertThat(records.get(1).kind()).as("then the state").isEqualTo("state");
                assertThat(process.output()).contains("is not a checkpoint").contains("checkpoint-unreadable");
                await().atMost(Duration.ofSeconds(30)).until(() -> broker.readAll(listener.checkpointTopic).size() > 1);
                assertThat(process.terminate(Duration.ofSeconds(30))).as("exit code").isZero();
            }
        }
    }

    private static void writeCheckpointValue(SharedKafka.Broker broker, ListenerProcess listener, byte[] value)
            throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(listener.checkpointTopic, 1, (short) 1).configs(
                    Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            producer.send(new ProducerRecord<>(listener.checkpointTopic,
                    listener.identity().id().getBytes(StandardCharsets.UTF_8), value)).get();
        }
    }
}
