package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Listener hosts whose clocks are a minute apart, heard by a forwarder started before their first record (its
 * partition caught up before anything was delivered from it, as a quiet one is after a restart). The host a minute
 * slow was reported silent after each of its heartbeats and back at the next; and once the partition was live before
 * its first record, no host of it was ever reported silent. Now nothing is said while they speak, and each is
 * reported silent once when they stop.
 */
@ExtendWith(SharedKafka.class)
class SilentHostClocksTest {
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s: above a loaded test machine's hiccups
    private static final Map<String, Long> CLOCK_OFFSET_SECONDS = Map.of("RIGHT", 0L, "SLOW", -60L, "FAST", 60L);

    @TempDir
    Path dir;

    @Test
    void hostsWhoseClocksAreAMinuteApartAreReportedSilentOnceEachWhenTheyStopAndNeverBefore(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "clocks", 1);
        AtomicBoolean speaking = new AtomicBoolean(true);
        ScheduledExecutorService listeners = Executors.newSingleThreadScheduledExecutor();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            // Assigned and placed at the partition's start (a new group commits it at once): nothing to read yet.
            TestRecords.awaitPlaced(broker, topic);
            listeners.scheduleAtFixedRate(() -> {
                if (speaking.get()) {
                    long now = System.currentTimeMillis() * 1_000_000L;
                    CLOCK_OFFSET_SECONDS.forEach((id, offset) -> {
                        long clock = now + offset * 1_000_000_000L;
                        producer.send(TestRecords.bridge(topic, "host-" + id, id, "heartbeat", ContractJson.write(
                                new Heartbeat(ContractJson.rfc3339(clock), clock, INTERVAL_SECONDS, true, null)),
                                clock / 1_000_000L));
                    });
                }
            }, 0, INTERVAL_SECONDS, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(30)).until(() -> run.metrics().heartbeatsTotal() >= 3);
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(5 * INTERVAL_SECONDS * 3 / 2));
            assertThat(receiver.texts()).as("nothing while they speak").isEmpty();

            speaking.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= CLOCK_OFFSET_SECONDS.size());
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(3 * INTERVAL_SECONDS + 2));
            assertThat(receiver.alerts()).extracting(a -> a.path("docker_bridge").path("event").asText() + " "
                    + a.path("docker_host").path("id").asText())
                    .containsExactlyInAnyOrder("silent-host RIGHT", "silent-host SLOW", "silent-host FAST");
            run.assertAlive();
        } finally {
            listeners.shutdownNow();
            listeners.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
