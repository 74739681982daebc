package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener that dies (power lost, network cut, SIGKILL) with a transaction open holds its partition's last stable
 * offset until the broker aborts it (the listener's transaction timeout, then the broker's next check): everything the
 * other hosts of the partition publish meanwhile is committed behind it, out of a read_committed consumer's sight,
 * while the consumer's lag reads 0. The forwarder took that for a live, quiet partition, advanced its time by its own
 * clock, and reported every host of the partition silent, then back once the transaction was aborted.
 */
@ExtendWith(SharedKafka.class)
class OpenTransactionSilenceTest {
    private static final int HOSTS = 3;
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s

    @TempDir
    Path dir;

    @Test
    void hostsWhoseHeartbeatsWaitBehindAnotherListenersOpenTransactionAreNotReportedSilent(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "open-txn", 1);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> dying = TestRecords.transactional(broker, "dying-listener-" + topic);
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString());
             HeartbeatingHosts hosts = HeartbeatingHosts.start(topic, HOSTS, INTERVAL_SECONDS, () -> producer)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    >= 2L * HOSTS);

            // Another listener of the partition begins a transaction and is gone before it commits.
            dying.initTransactions();
            dying.beginTransaction();
            dying.send(TestRecords.event(topic, "dying", "DYING", TestRecords.containerEvent("last-words",
                    System.currentTimeMillis() * 1_000_000L))).get();
            long stuckAt = TestRecords.committedTotal(broker, "g-" + topic);

            // Four intervals and more behind it: the hosts keep speaking, unseen; none is silent.
            await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(receiver.texts()).as("alerts while the transaction is open").isEmpty());
            assertThat(TestRecords.committedTotal(broker, "g-" + topic)).as("nothing past the open transaction")
                    .isLessThanOrEqualTo(stuckAt + HOSTS); // the heartbeats that were on their way before it

            dying.abortTransaction(); // what the broker does at the transaction's timeout
            await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    >= stuckAt + 4L * HOSTS);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(receiver.texts()).as("alerts once it is aborted").isEmpty());
            run.assertAlive();
        }
    }
}
