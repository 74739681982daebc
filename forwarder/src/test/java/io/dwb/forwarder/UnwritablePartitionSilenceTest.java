package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a shared, replicated cluster a partition whose in-sync replicas fall below its topic's {@code
 * min.insync.replicas} (brokers down or behind) refuses every write while its leader still answers fetches: the
 * listeners' transactions fail and they hold their events, and nothing new reaches the partition. The forwarder took
 * that for a live, quiet partition and reported every host of it silent after three intervals, then back once Kafka
 * took writes again: one Kafka incident, two alerts for each host of a fleet. Here the one broker's partition gets
 * {@code min.insync.replicas=2} with its single replica, which refuses writes the same way.
 */
@ExtendWith(SharedKafka.class)
class UnwritablePartitionSilenceTest {
    private static final int HOSTS = 3;
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s

    @TempDir
    Path dir;

    @Test
    void hostsOfAPartitionThatTakesNoWritesAreNotReportedSilent(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "unwritable", 1);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             Admin admin = broker.admin();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString());
             HeartbeatingHosts hosts = HeartbeatingHosts.start(topic, HOSTS, INTERVAL_SECONDS, () -> producer)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    >= 2L * HOSTS);

            setMinInSync(admin, topic, "2");
            await().atMost(Duration.ofSeconds(20)).until(() -> unwritable(run) == 1);
            long refusedAt = TestRecords.committedTotal(broker, "g-" + topic);
            // Four intervals and more without a write: the hosts keep trying; none is silent.
            await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(receiver.texts()).as("alerts while the partition takes no writes").isEmpty());
            assertThat(TestRecords.committedTotal(broker, "g-" + topic)).as("nothing written meanwhile")
                    .isLessThanOrEqualTo(refusedAt + HOSTS); // the heartbeats that were on their way before it

            setMinInSync(admin, topic, "1");
            await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    >= refusedAt + 4L * HOSTS);
            assertThat(unwritable(run)).isZero();
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(receiver.texts()).as("alerts once it takes writes again").isEmpty());
            run.assertAlive();
        }
    }

    private static void setMinInSync(Admin admin, String topic, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                new AlterConfigOp(new ConfigEntry("min.insync.replicas", value), AlterConfigOp.OpType.SET))))
                .all().get();
    }

    private static double unwritable(ForwarderRun run) {
        for (MetricSnapshot s : run.metrics().registry().scrape()) {
            if (s.getMetadata().getPrometheusName().equals("dwb_forwarder_partitions_unwritable")) {
                return ((GaugeSnapshot) s).getDataPoints().get(0).getValue();
            }
        }
        throw new AssertionError("no metric dwb_forwarder_partitions_unwritable");
    }
}
