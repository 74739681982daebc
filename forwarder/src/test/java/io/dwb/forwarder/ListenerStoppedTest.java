package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener told to stop says so in its last heartbeat. Before, a fleet's every planned stop (a scale-in, a CI
 * runner's teardown) raised a level-8 {@code silent-host} three intervals later. Now: a stop not followed by a start
 * is one {@code listener-stopped} (level 3), a restart within three intervals (an upgrade) says nothing, a start after
 * the report is a {@code host-back}, and a listener that just goes quiet is still {@code silent-host}. Every alert is
 * checked against the alert contract.
 */
@ExtendWith(SharedKafka.class)
class ListenerStoppedTest {
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s: above a loaded test machine's hiccups

    @TempDir
    Path dir;

    @Test
    void aStopIsReportedAsAStopARestartIsNotReportedAndASilenceIsStillASilence(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "stopped", 1);
        Set<String> speaking = ConcurrentHashMap.newKeySet();
        speaking.addAll(List.of("STEADY", "SILENT", "STOPPED", "RESTARTED"));
        Set<String> stopping = ConcurrentHashMap.newKeySet();
        AtomicInteger ticks = new AtomicInteger();
        ScheduledExecutorService listeners = Executors.newSingleThreadScheduledExecutor();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString())) {
            TestRecords.awaitPlaced(broker, topic);
            listeners.scheduleAtFixedRate(() -> {
                int tick = ticks.incrementAndGet();
                if (tick == 4) { // the SIGTERM of two listeners, and one that just goes quiet
                    speaking.removeAll(List.of("SILENT", "STOPPED", "RESTARTED"));
                    stopping.addAll(List.of("STOPPED", "RESTARTED"));
                } else if (tick == 5) { // started again 2 s after its stop, well within the 6 s
                    speaking.add("RESTARTED");
                }
                long now = System.currentTimeMillis() * 1_000_000L;
                for (String id : Set.copyOf(speaking)) {
                    producer.send(TestRecords.heartbeat(topic, id, now, INTERVAL_SECONDS, null));
                }
                for (String id : Set.copyOf(stopping)) {
                    producer.send(TestRecords.heartbeat(topic, id, now, INTERVAL_SECONDS, true));
                    stopping.remove(id);
                }
            }, 0, INTERVAL_SECONDS, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 2);
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(3 * INTERVAL_SECONDS + 2));
            assertThat(TestRecords.alerts(receiver.datagrams())).extracting(a -> a.path("docker_bridge").path("event")
                    .asText() + " " + a.path("docker_host").path("id").asText())
                    .containsExactlyInAnyOrder("silent-host SILENT", "listener-stopped STOPPED");
            assertThat(receiver.alerts()).filteredOn(a -> a.path("docker_bridge").path("event").asText()
                    .equals("listener-stopped")).singleElement().satisfies(a -> {
                        assertThat(a.path("docker_bridge").path("intervalSeconds").asLong())
                                .isEqualTo(INTERVAL_SECONDS);
                        assertThat(a.path("docker_bridge").path("silentSeconds").asLong())
                                .isGreaterThanOrEqualTo(3 * INTERVAL_SECONDS);
                    });

            speaking.add("STOPPED"); // started again after all (a restart that failed for a while): back
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= 3);
            TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(2 * INTERVAL_SECONDS));
            assertThat(TestRecords.alerts(receiver.datagrams())).extracting(a -> a.path("docker_bridge").path("event")
                    .asText() + " " + a.path("docker_host").path("id").asText()).hasSize(3)
                    .contains("host-back STOPPED");
            run.assertAlive();
        } finally {
            listeners.shutdownNow();
            listeners.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
