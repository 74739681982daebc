package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.HostPartition;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partitions added to the events topic (deployment.md allows it): each listener's producer, once it learns of them
 * (its metadata refresh: up to 5 minutes by default), puts its host's records in the partition the key now maps to.
 * The forwarder owning the old partition still watched the hosts that moved, heard them no more while the partition
 * went on with the others, and reported each silent, never back (another forwarder heard it): thousands of level-8
 * alerts at a fleet's scale. Two forwarders of a group; the hosts' listeners learn of the new partitions only after
 * the forwarders have.
 */
@ExtendWith(SharedKafka.class)
class PartitionsAddedTest {
    private static final int HOSTS = 12;
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s

    @TempDir
    Path dir;

    @Test
    void hostsThatMoveToAnotherForwardersPartitionAreNotReportedSilentByTheOldOne(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "added", 1);
        Path kafkaConfig = dir.resolve("kafka.properties");
        Files.writeString(kafkaConfig, "metadata.max.age.ms=1000\n"); // the forwarders see new partitions at once
        long moving = java.util.stream.IntStream.range(0, HOSTS)
                .filter(h -> HostPartition.of(("HOST-" + h).getBytes(StandardCharsets.UTF_8), 4) >= 2).count();
        assertThat(moving).as("hosts that will move to partitions 2 and 3").isBetween(1L, HOSTS - 1L);

        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> before = producer(broker);
             ForwarderRun a = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--instance-id", "a", "--kafka-config", kafkaConfig.toString());
             ForwarderRun b = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--instance-id", "b", "--kafka-config", kafkaConfig.toString())) {
            AtomicReference<KafkaProducer<byte[], byte[]>> writer = new AtomicReference<>(before);
            try (HeartbeatingHosts hosts = HeartbeatingHosts.start(topic, HOSTS, INTERVAL_SECONDS, writer::get)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                        >= 2L * HOSTS);

                broker.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get();
                // The forwarders share the new partitions (cooperatively: the one holding 0 keeps it and takes one
                // more, the other takes two); the owner of 0 follows each host that moves to one of its own and
                // forgets the others. The listeners still write to 0.
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        TestRecords.committed(broker, "g-" + topic).size() == 4);
                // Heartbeats of every host heard in partition 0 again, by its owner after the rebalance: two
                // rounds of the fleet's heartbeats delivered there (each host sends one an interval).
                long rebalanced = TestRecords.committedTotal(broker, "g-" + topic);
                await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                        >= rebalanced + 2L * HOSTS);

                try (KafkaProducer<byte[], byte[]> after = producer(broker)) { // the listeners learn of them
                    writer.set(after);
                    long movedAt = TestRecords.committedTotal(broker, "g-" + topic);
                    await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committed(broker, "g-" + topic)
                            .entrySet().stream().filter(e -> e.getKey().partition() >= 2)
                            .mapToLong(e -> e.getValue().offset()).sum() >= moving);
                    // Four intervals and more: the hosts that moved speak in partitions 2 and 3, to the other
                    // forwarder.
                    await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                            assertThat(receiver.texts()).as("alerts after the hosts moved").isEmpty());
                    assertThat(TestRecords.committedTotal(broker, "g-" + topic)).isGreaterThan(movedAt);
                    a.assertAlive();
                    b.assertAlive();
                } finally {
                    writer.set(before); // the heartbeats go on through a producer still open
                }
            }
        }
    }

    /** A producer of the listeners' kind: the default partitioner, metadata refreshed only at its start. */
    private static KafkaProducer<byte[], byte[]> producer(SharedKafka.Broker broker) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
