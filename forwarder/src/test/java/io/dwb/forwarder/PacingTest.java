package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 7: --eps paces delivery (the Wazuh agent drops beyond its own rate) and drops nothing. */
@ExtendWith(SharedKafka.class)
class PacingTest {
    @TempDir
    Path dir;

    @Test
    void twoThousandRecordsAtTwoHundredASecondTakeAtLeastNineAndAHalfSecondsAndAllArrive(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "eps", 3);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            String host = "host-" + (i % 3);
            records.add(TestRecords.event(topic, host, host + "-id",
                    TestRecords.containerEvent("paced-" + i, 1_764_000_000_000_000_000L + i)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records); // all waiting before the forwarder starts: only pacing limits
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--eps", "200")) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> receiver.count() > 0);
            long first = System.nanoTime();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(5))
                    .until(() -> receiver.count() >= 2_000);
            double seconds = (System.nanoTime() - first) / 1e9;
            assertThat(seconds).isGreaterThanOrEqualTo(9.5);
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(300));
            assertThat(receiver.count()).isEqualTo(2_000);
            assertThat(new HashSet<>(receiver.texts())).hasSize(2_000);
            run.assertAlive();
        }
    }
}
