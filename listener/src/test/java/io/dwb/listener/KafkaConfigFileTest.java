package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.HostPartition;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RoundRobinPartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kafka client settings of a {@code --kafka-config} file that the listener's own settings must live with. */
@ExtendWith(SharedKafka.class)
class KafkaConfigFileTest {
    @TempDir
    Path dir;

    /**
     * Azure Event Hubs recommends {@code request.timeout.ms=60000}: above the admin client's call timeout
     * ({@code --kafka-timeout}, 30 s), which Kafka refused to build.
     */
    @Test
    void aLongRequestTimeoutStartsAndPublishes(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("long-requests");
        Path config = clientFile(broker, "request.timeout.ms=60000\n");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.startWithKafkaConfig(config)) {
            ListenerProcess.awaitConnected(process, 1);
            publishVolume(engine, broker, listener, prefix);
            assertThat(process.terminate(Duration.ofSeconds(30))).as(process.output()).isZero();
        }
    }

    /**
     * A {@code transaction.timeout.ms} above what the broker allows ({@code transaction.max.timeout.ms}, 15 minutes
     * by default) is refused at every {@code initTransactions}: a configuration error, exit 2, which systemd does not
     * restart, with the broker's reason. Before, it was taken for Kafka unavailable and tried again for ever, the
     * listener never publishing.
     */
    @Test
    void aTransactionTimeoutAboveTheBrokersMaximumIsAConfigurationError(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        Path config = clientFile(broker, "transaction.timeout.ms=3600000\n");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.startWithKafkaConfig(config)) {
            assertThat(process.waitFor(Duration.ofSeconds(60))).as(process.output()).isEqualTo(2);
            assertThat(process.output()).contains("transaction.timeout.ms").contains("transaction.max.timeout.ms")
                    .doesNotContain("Kafka unavailable");
        }
    }

    /**
     * A partitioner of the user's put checkpoints where the lookup does not read (the partition of the host's key):
     * a restart found none, and started after a gap.
     */
    @Test
    void aPartitionerOfTheFileIsIgnoredAndARestartResumesFromItsCheckpoint(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("placed");
        Path config = clientFile(broker, "partitioner.class=" + RoundRobinPartitioner.class.getName()
                + "\npartitioner.ignore.keys=true\n");
        String firstOutput;
        try (TestEngine engine = new TestEngine()) {
            try (JavaProcess first = listener.startWithKafkaConfig(config)) {
                ListenerProcess.awaitConnected(first, 1);
                for (int i = 0; i < 3; i++) { // transactions, each with its checkpoint
                    publishVolume(engine, broker, listener, prefix + "-" + i);
                }
                assertThat(first.terminate(Duration.ofSeconds(30))).as(first.output()).isZero();
                firstOutput = first.output();
            }
        }
        assertPlacedByKey(broker, listener.topic, listener);
        assertPlacedByKey(broker, listener.checkpointTopic, listener);
        try (JavaProcess second = listener.startWithKafkaConfig(config)) {
            ListenerProcess.awaitConnected(second, 1);
            assertThat(second.output()).contains("resuming from checkpoint").doesNotContain("gap: events");
            assertThat(second.terminate(Duration.ofSeconds(30))).as(second.output()).isZero();
        }
        assertThat(firstOutput).contains("sets partitioner.class=" + RoundRobinPartitioner.class.getName()
                + ": ignored").contains("sets partitioner.ignore.keys=true: ignored");
    }

    /** Creates and removes a volume, and waits for both its events on the events topic. */
    private static void publishVolume(TestEngine engine, SharedKafka.Broker broker, ListenerProcess listener,
                                      String name) {
        engine.client().createVolumeCmd().withName(name).exec();
        engine.client().removeVolumeCmd(name).exec();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                TopicView.read(broker, listener.topic).eventValues(TopicView.named(name)).size() == 2);
    }

    private Path clientFile(SharedKafka.Broker broker, String settings) throws Exception {
        return Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=" + broker.bootstrapServers()
                + "\n" + settings);
    }

    /** Every record of the listener's host on {@code topic} is in the partition of its key, as Kafka places it. */
    private static void assertPlacedByKey(SharedKafka.Broker broker, String topic, ListenerProcess listener) {
        byte[] key = listener.identity().id().getBytes(StandardCharsets.UTF_8);
        int partition = HostPartition.of(key, broker.describeTopic(topic).partitions().size());
        assertThat(broker.readAll(topic)).as(topic).isNotEmpty()
                .extracting(ConsumerRecord::partition).containsOnly(partition);
    }
}
