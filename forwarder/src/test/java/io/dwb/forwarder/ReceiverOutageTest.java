package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Acceptance 3: Wazuh absent, or present but not reading, for 30 s: the forwarder pauses, keeps everything, commits
 * nothing it has not delivered, and delivers all of it, in per-host order, once Wazuh is back.
 */
@ExtendWith(SharedKafka.class)
class ReceiverOutageTest {
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String host = "host-" + (i % 4);
            records.add(TestRecords.event(topic, host, host + "-id",
                    TestRecords.containerEvent(host + "-" + i, 1_764_000_000_000_000_000L + i)));
        }
        return records;
    }

    /** Every record arrived exactly once, and each host's events in the order they were produced. */
    private static void assertCompleteAndOrdered(DatagramReceiver receiver, int total) {
        List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
        assertThat(alerts).hasSize(total);
        Map<String, Long> lastPerHost = new HashMap<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (ObjectNode alert : alerts) {
            String host = alert.get("docker_host").get("name").asText();
            long time = alert.get("docker").get("timeNano").asLong();
            assertThat(time).as("order of %s", host).isGreaterThan(lastPerHost.getOrDefault(host, 0L));
            lastPerHost.put(host, time);
            seen.add(time);
        }
        assertThat(seen).hasSize(total);
    }

    @Test
    void aMissingSocketPausesDeliveryWithoutLossOrCommitsUntilItIsBound(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "absent", 4);
        Path queue = dir.resolve("queue");
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, queue.toString())) {
            TestRecords.sendAll(producer, records(topic, 0, 400));
            await().atMost(Duration.ofSeconds(60)).until(() -> run.metrics().pausedNow() == 1);
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        assertThat(TestRecords.committedTotal(broker, "g-" + topic))
                                .as("committed while Wazuh is away").isZero();
                        run.assertAlive();
                    });
            assertThat(Files.exists(queue)).isFalse();
            assertThat(run.metrics().socketErrorsTotal()).isGreaterThan(3); // retried, with backoff
            assertThat(run.metrics().socketErrorsTotal()).isLessThan(200);  // but not spinning

            try (DatagramReceiver receiver = DatagramReceiver.bind(queue)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 400);
                TestRecords.awaitNothingMore(receiver, Duration.ofMillis(300));
                assertCompleteAndOrdered(receiver, 400);
                assertThat(run.metrics().pausedNow()).isZero();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> TestRecords.committedTotal(broker, "g-" + topic) == 400);
            }
        }
    }

    /** Also with {@code --sending-thread}: what it holds in memory, taken but not written, is never committed. */
    @ParameterizedTest(name = "sending thread: {0}")
    @ValueSource(booleans = {false, true})
    void aReceiverThatStopsReadingFillsTheSocketAndDeliveryWaitsWithoutHangingOrLoss(boolean sendingThread,
                                                                                     SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "full", 4);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     sendingThread ? new String[] {"--sending-thread"} : new String[0])) {
            TestRecords.sendAll(producer, records(topic, 0, 100));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 100);

            receiver.stopReading();
            TestRecords.sendAll(producer, records(topic, 100, 300));
            await().atMost(Duration.ofSeconds(30)).until(() -> run.metrics().pausedNow() == 1);
            await().during(OUTAGE).atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> {
                        // Only what the socket accepted may be committed (the receiver's queue holds a few).
                        long sent = run.metrics().sentTotal();
                        assertThat(TestRecords.committedTotal(broker, "g-" + topic)).isLessThanOrEqualTo(sent);
                        assertThat(sent).isLessThan(400);
                        run.assertAlive();
                    });
            assertThat(run.metrics().pausedNow()).isEqualTo(1);

            receiver.resumeReading();
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 400);
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(300));
            assertCompleteAndOrdered(receiver, 400);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> TestRecords.committedTotal(broker, "g-" + topic) == 400);
        }
    }
}
