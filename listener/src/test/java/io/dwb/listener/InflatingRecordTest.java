package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.StandIn;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * A compressed record that inflates beyond a reader's heap, written by anyone allowed to write the topics (any
 * listener's credentials): a consumer allocates a record's decompressed size before any code of ours sees it, so
 * 128 MB of zeros (a few kilobytes of zstd) made every forwarder reading the events partition, or every listener of
 * the hosts whose checkpoints share that partition, exit on OutOfMemoryError at the same offset. The topics as the
 * listener creates them bound a record's decompressed size, and the brokers refuse such a record.
 */
@ExtendWith(SharedKafka.class)
class InflatingRecordTest {
    private static final int INFLATED_BYTES = 128 * 1024 * 1024;

    @Test
    void theTopicsTheListenerCreatesRefuseARecordThatInflatesBeyondTheBound(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String checkpoints = Broker.uniqueTopic("checkpoints");
        ListenerCommand command = new ListenerCommand();
        new CommandLine(command).parseArgs("--topic", events, "--checkpoint-topic", checkpoints);
        try (Admin admin = broker.admin()) {
            assertThat(new TopicProvisioner(admin, broker.bootstrapServers(), Duration.ofSeconds(30))
                    .ensure(command.settings().topics())).isEmpty();
        }
        byte[] key = "host-1".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = zstdProducer(broker)) {
            for (String topic : List.of(events, checkpoints)) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, key, new byte[INFLATED_BYTES]))
                        .get()).as(topic).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(InvalidRecordException.class);
                assertThat(broker.topicConfig(topic).get(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG).value())
                        .isEqualTo(String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES));
                // The longest value the contract has is taken, compressed or not.
                producer.send(new ProducerRecord<>(topic, key, new byte[StandIn.MAX_VALUE_BYTES])).get();
            }
        }
        for (String topic : List.of(events, checkpoints)) {
            assertThat(broker.readAll(topic)).as(topic).singleElement()
                    .satisfies(r -> assertThat(r.value()).hasSize(StandIn.MAX_VALUE_BYTES));
        }
    }

    /**
     * A producer that sends what it is given: zstd, no size limit of its own. It retries what is retriable (a new
     * topic's leader not yet known failed the first send once); a refused record is not.
     */
    private static KafkaProducer<byte[], byte[]> zstdProducer(Broker broker) {
        return new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * INFLATED_BYTES,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 3L * INFLATED_BYTES),
                new ByteArraySerializer(), new ByteArraySerializer());
    }
}
