package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts that keep sending heartbeats are never reported silent while forwarders of one group come and go (each start
 * and SIGTERM a rebalance: a rolling restart); a host that stops is reported once, and back when it speaks again.
 */
@ExtendWith(SharedKafka.class)
class SilentHostRebalanceTest {
    private static final int HOSTS = 8;
    private static final int INTERVAL_SECONDS = 2; // silent after 6 s: above a loaded test machine's hiccups

    @TempDir
    Path dir;

    @Test
    void aRollingRestartOfForwardersRaisesNoSilentHostAndAStoppedHostIsReportedThenBack(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "rolling", 4);
        Set<Integer> speaking = ConcurrentHashMap.newKeySet();
        for (int h = 0; h < HOSTS; h++) {
            speaking.add(h);
        }
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group",
                "g-" + topic, "--dlq-topic", topic + "-dlq", "--wazuh-queue", dir.resolve("queue").toString());
        ScheduledExecutorService listeners = Executors.newSingleThreadScheduledExecutor();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            listeners.scheduleAtFixedRate(() -> {
                long now = System.currentTimeMillis() * 1_000_000L;
                byte[] value = ContractJson.write(new Heartbeat(ContractJson.rfc3339(now), now, INTERVAL_SECONDS,
                        true, null));
                for (int h : speaking) {
                    producer.send(TestRecords.bridge(topic, "host-" + h, "HOST-" + h, "heartbeat", value,
                            now / 1_000_000));
                }
            }, 0, INTERVAL_SECONDS, TimeUnit.SECONDS);

            JavaProcess a = JavaProcess.start(ForwarderCommand.class, Map.of(), withId(args, "a"));
            awaitAssigned(a);
            assertNoAlertFor(receiver, Duration.ofSeconds(10));
            JavaProcess b = JavaProcess.start(ForwarderCommand.class, Map.of(), withId(args, "b"));
            awaitAssigned(b);
            assertNoAlertFor(receiver, Duration.ofSeconds(10));
            assertThat(a.terminate(Duration.ofSeconds(60))).as(a.output()).isZero(); // its partitions move to b
            assertNoAlertFor(receiver, Duration.ofSeconds(10));
            try (JavaProcess c = JavaProcess.start(ForwarderCommand.class, Map.of(), withId(args, "c"))) {
                awaitAssigned(c);
                assertNoAlertFor(receiver, Duration.ofSeconds(10));
                assertThat(b.terminate(Duration.ofSeconds(60))).as(b.output()).isZero(); // c owns everything now
                assertNoAlertFor(receiver, Duration.ofSeconds(10));

                speaking.remove(0); // host-0's listener stops
                await().atMost(Duration.ofSeconds(40)).until(() -> receiver.count() >= 1);
                assertNoAlertFor(receiver, Duration.ofSeconds(1), 1);
                ObjectNode silent = TestRecords.alert(receiver.datagrams().get(0));
                assertThat(silent.get("docker_bridge").get("event").asText()).isEqualTo("silent-host");
                assertThat(silent.get("docker_host").get("id").asText()).isEqualTo("HOST-0");

                speaking.add(0);
                await().atMost(Duration.ofSeconds(40)).until(() -> receiver.count() >= 2);
                ObjectNode back = TestRecords.alert(receiver.datagrams().get(1));
                assertThat(back.get("docker_bridge").get("event").asText()).isEqualTo("host-back");
                assertThat(back.get("docker_host").get("id").asText()).isEqualTo("HOST-0");
                assertThat(c.terminate(Duration.ofSeconds(60))).isZero();
            } finally {
                a.close();
                b.close();
            }
        } finally {
            listeners.shutdownNow();
        }
    }

    /** Forwarders of one group on one host feeding one queue each need their own id (static membership). */
    private static List<String> withId(List<String> args, String id) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--instance-id", id));
        return all;
    }

    private static void awaitAssigned(JavaProcess forwarder) {
        await().atMost(Duration.ofSeconds(90)).until(() -> forwarder.output().contains("partitions assigned")
                || !forwarder.isAlive());
        assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
    }

    private static void assertNoAlertFor(DatagramReceiver receiver, Duration period) {
        assertNoAlertFor(receiver, period, 0);
    }

    private static void assertNoAlertFor(DatagramReceiver receiver, Duration period, int count) {
        await().during(period).atMost(period.plusSeconds(30)).until(() -> receiver.count() == count);
        assertThat(receiver.texts()).hasSize(count);
    }
}
