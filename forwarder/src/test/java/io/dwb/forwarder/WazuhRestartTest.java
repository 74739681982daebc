package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 5: Wazuh stops reading, the kernel holds datagrams in its socket's queue whose records the forwarder
 * committed, then Wazuh restarts (socket closed, a new one bound at the same path): every alert reaches Wazuh, the
 * duplicates within the resend window, counted.
 */
@ExtendWith(SharedKafka.class)
class WazuhRestartTest {
    private static final long BASE_TIME = 1_764_000_000_000_000_000L;

    @TempDir
    Path dir;

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            records.add(TestRecords.event(topic, "host", "host-id",
                    TestRecords.containerEvent("c-" + i, BASE_TIME + i)));
        }
        return records;
    }

    private static List<Long> times(DatagramReceiver receiver) {
        return TestRecords.alerts(receiver.datagrams()).stream()
                .map((ObjectNode alert) -> alert.get("docker").get("timeNano").asLong()).toList();
    }

    @Test
    void whatTheOldSocketHeldUnreadReachesTheRestartedWazuh(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "restart", 1);
        Path path = dir.resolve("queue");
        DatagramReceiver old = DatagramReceiver.bind(path);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, path.toString())) {
            TestRecords.sendAll(producer, records(topic, 0, 50));
            await().atMost(Duration.ofSeconds(60)).until(() -> old.count() == 50);

            old.stopReading();
            TestRecords.sendAll(producer, records(topic, 50, 100));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.metrics().pausedNow() == 1);
            long accepted = run.metrics().sentTotal();
            // The claim: what the kernel accepted is committed, though Wazuh has not read it.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> TestRecords.committedTotal(broker, "g-" + topic) == accepted);
            List<Long> readByTheOld = times(old);
            assertThat(accepted).as("committed, never read").isGreaterThan(readByTheOld.size());
            old.close(); // Wazuh stops: the kernel drops its socket's queue

            try (DatagramReceiver restarted = DatagramReceiver.bind(path)) {
                Set<Long> all = LongStream.range(0, 150).map(i -> BASE_TIME + i).boxed()
                        .collect(java.util.stream.Collectors.toSet());
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    Set<Long> got = new HashSet<>(readByTheOld);
                    got.addAll(times(restarted));
                    return got.containsAll(all);
                });
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> TestRecords.committedTotal(broker, "g-" + topic) == 150);
                long resent = run.metrics().resentTotal();
                long duplicates = readByTheOld.size() + restarted.count() - 150;
                assertThat(resent).isPositive().isLessThanOrEqualTo(ResendWindow.DEFAULT_DATAGRAMS);
                assertThat(duplicates).as("each duplicate is a counted resend").isBetween(0L, resent);
                List<Long> newTimes = times(restarted);
                assertThat(newTimes.subList(newTimes.size() - 1, newTimes.size())).containsExactly(BASE_TIME + 149);
                run.assertAlive();
            }
        } finally {
            old.close();
        }
    }
}
