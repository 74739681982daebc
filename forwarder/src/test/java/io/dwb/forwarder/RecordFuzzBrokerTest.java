package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzz, end to end: generated hostile records ({@link HostileRecords}) through the real broker, a forwarder and a
 * real datagram socket. The forwarder stays up, the committed offset reaches the end of the topic, and every record
 * is one strictly valid datagram, one dead letter, or a duplicate. Count: {@code dwb.fuzz.broker-records}, 300 in
 * CI; {@code -Pfuzz}: 3,000. A failure prints its seed: {@code -Ddwb.fuzz.seed=N} makes the same records again.
 */
@ExtendWith(SharedKafka.class)
class RecordFuzzBrokerTest {
    private static final int RECORDS = Integer.getInteger("dwb.fuzz.broker-records", 300);

    @TempDir
    Path dir;

    @Test
    void everyRecordIsDeliveredOrDeadLetteredAndTheOffsetsReachTheEnd(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "fuzz", 1);
        HostileRecords generator = new HostileRecords();
        Long given = Long.getLong("dwb.fuzz.seed"); // -Ddwb.fuzz.seed=N: a failed run's records again
        long seed = given != null ? given : new Random().nextLong();
        Random random = new Random(seed);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(generator.make(generator.recipe(random)).produced(topic));
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = TestRecords.bigProducer(broker);
             // Heartbeats as alerts too, as in RecordFuzzTest: a record intact enough to be a heartbeat is then an
             // alert, not nothing, and every record ends as an alert, a dead letter or a duplicate.
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--heartbeat-alerts")) {
            List<Future<RecordMetadata>> sends = records.stream().map(producer::send).toList();
            long written = 0; // what even a 4 MiB producer and topic refuse never reaches the forwarder
            for (Future<RecordMetadata> send : sends) {
                try {
                    send.get();
                    written++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(RecordTooLargeException.class);
                }
            }
            long expected = written;
            assertThat(expected).isGreaterThan(RECORDS * 9L / 10);
            await().atMost(Duration.ofMinutes(5)).until(() -> {
                run.assertAlive();
                return TestRecords.committedTotal(broker, "g-" + topic) == expected;
            });
            run.assertAlive();
            List<ObjectNode> alerts = receiver.alerts(); // strict: one JSON object each, nothing after it
            long forRecords = alerts.stream()
                    .filter(a -> !a.path("docker_bridge").path("event").asText().equals("silent-host"))
                    .filter(a -> !DatagramReceiver.deadLetterNotice(a)).count();
            List<ConsumerRecord<byte[], byte[]>> dead = broker.readAll(topic + "-dlq");
            assertThat(forRecords + dead.size() + run.metrics().duplicatesTotal())
                    .as("seed %d: %d alerts (%d heartbeats), %d dead letters (of %d written), %d duplicates", seed,
                            forRecords, run.metrics().heartbeatsTotal(), dead.size(),
                            run.metrics().deadLetteredTotal(), run.metrics().duplicatesTotal())
                    .isEqualTo(expected);
            assertThat(receiver.datagrams()).allMatch(d -> d.length <= AlertTrimmer.MAX_DATAGRAM);
            assertThat(dead).allMatch(d -> HeaderNames.read(d.headers(), HeaderNames.ERROR) != null
                    && HeaderNames.read(d.headers(), HeaderNames.SOURCE_OFFSET) != null);
        }
    }
}
