package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder that takes a partition over (a restart, an upgrade, a scale-out) learns its hosts from the heartbeats
 * its previous owner delivered last. Before, it knew a host only from its next heartbeat: a host gone silent, or
 * whose listener was stopped, just before the handover was reported by nobody, and one the previous owner had
 * reported silent was never said back. Nothing the previous owner delivered reaches Wazuh again.
 */
@ExtendWith(SharedKafka.class)
class WatchHandoverTest {
    private static final int INTERVAL_SECONDS = 3; // silent after 9 s; taken as reported before after 12 s

    @TempDir
    Path dir;

    @Test
    void hostsSilentOrStoppedJustBeforeAHandoverAreReportedByTheNewOwnerAndOneReportedBeforeIsSaidBack(
            SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "handover", 1);
        Set<String> speaking = ConcurrentHashMap.newKeySet();
        speaking.addAll(List.of("STEADY", "SILENT-BEFORE", "SILENT-AT", "STOPPED-AT"));
        Set<String> stopping = ConcurrentHashMap.newKeySet();
        AtomicInteger ticks = new AtomicInteger();
        AtomicLong end = new AtomicLong();
        ScheduledExecutorService listeners = Executors.newSingleThreadScheduledExecutor();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            ForwarderRun previous = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString());
            try {
                TestRecords.awaitPlaced(broker, topic);
                long now = System.currentTimeMillis() * 1_000_000L;
                for (String name : List.of("e1", "e2")) {
                    producer.send(TestRecords.event(topic, "host-STEADY", "STEADY",
                            TestRecords.containerEvent(name, now++))).get();
                }
                listeners.scheduleAtFixedRate(() -> {
                    long time = System.currentTimeMillis() * 1_000_000L;
                    try {
                        for (String id : Set.copyOf(speaking)) {
                            end.set(producer.send(TestRecords.heartbeat(topic, id, time, INTERVAL_SECONDS, null))
                                    .get().offset() + 1);
                        }
                        for (String id : Set.copyOf(stopping)) {
                            end.set(producer.send(TestRecords.heartbeat(topic, id, time, INTERVAL_SECONDS, true))
                                    .get().offset() + 1);
                            stopping.remove(id);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(e);
                    }
                    ticks.incrementAndGet();
                }, 0, INTERVAL_SECONDS, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() == 2);

                speaking.remove("SILENT-BEFORE");
                await().atMost(Duration.ofSeconds(40)).until(() -> receiver.count() == 3);
                awaitTicks(ticks, 2); // silent for more than four intervals at the handover

                speaking.remove("SILENT-AT"); // its last heartbeat is read by the previous owner...
                awaitTicks(ticks, 1);
                speaking.remove("STOPPED-AT");
                stopping.add("STOPPED-AT"); // ...and so is this one's last, which says it is stopping
                awaitTicks(ticks, 1);
                long delivered = end.get();
                TopicPartition p0 = new TopicPartition(topic, 0);
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    OffsetAndMetadata committed = TestRecords.committed(broker, "g-" + topic).get(p0);
                    return committed != null && committed.offset() >= delivered;
                });
            } finally {
                previous.close(); // well within three intervals of SILENT-AT's last heartbeat: not reported by it
            }
            assertThat(alerts(receiver)).as("what the previous owner sent")
                    .containsExactly("event e1", "event e2", "silent-host SILENT-BEFORE");

            try (ForwarderRun next = ForwarderRun.start(broker.bootstrapServers(), topic,
                    receiver.path().toString())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 5);
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(2 * INTERVAL_SECONDS));
                assertThat(alerts(receiver)).as("reported by the new owner, nothing sent again")
                        .containsExactlyInAnyOrder("event e1", "event e2", "silent-host SILENT-BEFORE",
                                "silent-host SILENT-AT", "listener-stopped STOPPED-AT");

                speaking.add("SILENT-BEFORE");
                await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= 6);
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(INTERVAL_SECONDS));
                assertThat(alerts(receiver)).hasSize(6).contains("host-back SILENT-BEFORE");
                next.assertAlive();
            }
        } finally {
            listeners.shutdownNow();
            listeners.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void awaitTicks(AtomicInteger ticks, int more) {
        int target = ticks.get() + more;
        await().atMost(Duration.ofSeconds(30)).until(() -> ticks.get() >= target);
    }

    /** Each alert received, as "event name" for an engine event, else as its bridge event and host id. */
    private static List<String> alerts(DatagramReceiver receiver) {
        return TestRecords.alerts(receiver.datagrams()).stream().map(WatchHandoverTest::describe).toList();
    }

    private static String describe(JsonNode alert) {
        return alert.has("docker_bridge")
                ? alert.path("docker_bridge").path("event").asText() + " " + alert.path("docker_host").path("id")
                        .asText()
                : "event " + alert.path("docker").path("Actor").path("Attributes").path("name").asText();
    }
}
