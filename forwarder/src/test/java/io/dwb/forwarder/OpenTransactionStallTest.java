package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A producer that keeps a transaction open on an events partition (a writer with a listener's credentials, a stuck
 * client, a listener that died mid-transaction) holds every record written after it from the read_committed
 * forwarder until the transaction ends: up to the broker's transaction.max.timeout.ms (15 min), and again with the
 * next one. The forwarder said nothing: its lag, measured to the stable end, read 0, /healthz 200, no log line, while
 * every host of the partition had its alerts delayed. Now the stall is said in a WARN line, in a {@code
 * partition-stalled} alert to Wazuh and counted in the metrics ({@code --stalled-after} lowered to 3 s here), and its
 * end in an INFO line and a {@code partition-moving} alert; /healthz stays 200 (not the forwarder's fault: restarting
 * it changes nothing).
 */
@ExtendWith(SharedKafka.class)
class OpenTransactionStallTest {
    private static final int WAITING = 5;

    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines logged = LogLines.of(OpenTransactionWatch.class);

    @Test
    void aTransactionLeftOpenIsSaidAndCountedOnceItHoldsThePartitionPastTheThresholdAndSaidAgainWhenItEnds(
            SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "stalled", 1);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> holder = TestRecords.transactional(broker, "holder-" + topic);
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString(),
                     "--stalled-after", "3s")) {
            long now = System.currentTimeMillis() * 1_000_000L;
            producer.send(TestRecords.event(topic, "web-1", "WEB1", TestRecords.containerEvent("first", now))).get();
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() == 1);

            // A transaction is opened and kept open; the host goes on publishing behind it.
            holder.initTransactions();
            holder.beginTransaction();
            long stableOffset = holder.send(TestRecords.event(topic, "holder", "HOLDER",
                    TestRecords.containerEvent("held", now + 1))).get().offset();
            for (int i = 0; i < WAITING; i++) {
                producer.send(TestRecords.event(topic, "web-1", "WEB1",
                        TestRecords.containerEvent("behind-" + i, now + 2 + i))).get();
            }
            long openedAt = System.nanoTime();

            await().atMost(Duration.ofSeconds(20)).until(() -> !stallLines(logged).isEmpty());
            long saidAfter = System.nanoTime() - openedAt;
            assertThat(stallLines(logged)).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).startsWith("partition " + topic + "-0 stalled: its stable end has "
                        + "stood at offset " + stableOffset + " for ").contains("with " + (WAITING + 1)
                        + " record(s) written past it", "describe-producers --topic " + topic + " --partition 0");
            });
            assertThat(Duration.ofNanos(saidAfter)).as("said within the threshold and a reading or two")
                    .isBetween(Duration.ofSeconds(2), Duration.ofSeconds(8));
            assertThat(run.gauge("dwb_forwarder_partitions_stalled")).isEqualTo(1);
            assertThat(run.gauge("dwb_forwarder_stalled_records")).isEqualTo(WAITING + 1);
            assertThat(run.gauge("dwb_forwarder_stall_seconds")).isGreaterThanOrEqualTo(3);
            // Said in Wazuh too, where a security team looks: the partition, where it stands, what waits.
            await().atMost(Duration.ofSeconds(10)).until(() -> !bridgeAlerts(receiver, "partition-stalled").isEmpty());
            assertThat(bridgeAlerts(receiver, "partition-stalled")).singleElement().satisfies(a -> {
                assertThat(a.get("topic").asText()).isEqualTo(topic);
                assertThat(a.get("partition").asInt()).isZero();
                assertThat(a.get("stableOffset").asLong()).isEqualTo(stableOffset);
                assertThat(a.get("records").asLong()).isEqualTo(WAITING + 1);
                assertThat(a.get("stalledSeconds").asLong()).isGreaterThanOrEqualTo(3);
            });
            assertThat(events(receiver)).as("the alerts behind it wait").isEqualTo(1);
            assertThat(run.forwarder().healthy()).as("/healthz: not this forwarder's fault").isTrue();

            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                    .until(() -> stallLines(logged).size() == 1); // once a stall

            holder.abortTransaction();
            await().atMost(Duration.ofSeconds(20)).until(() -> stallLines(logged).size() == 2);
            assertThat(stallLines(logged).get(1)).satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.INFO);
                assertThat(e.getFormattedMessage()).startsWith("partition " + topic + "-0 moves again: its stable "
                        + "end, held at offset " + stableOffset + " for ");
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> events(receiver) == 1 + WAITING);
            await().atMost(Duration.ofSeconds(10)).until(() -> !bridgeAlerts(receiver, "partition-moving").isEmpty());
            assertThat(bridgeAlerts(receiver, "partition-moving")).singleElement().satisfies(a ->
                    assertThat(a.get("nowStableOffset").asLong()).isGreaterThan(stableOffset));
            assertThat(bridgeAlerts(receiver, "partition-stalled")).as("once a stall").hasSize(1);
            assertThat(run.gauge("dwb_forwarder_partitions_stalled")).isZero();
            assertThat(run.gauge("dwb_forwarder_stalled_records")).isZero();
            run.assertAlive();
        }
    }

    /** The docker_bridge parts of the alerts of {@code kind} received. */
    private static List<JsonNode> bridgeAlerts(DatagramReceiver receiver, String kind) {
        return TestRecords.alerts(receiver.datagrams()).stream().map(a -> a.path("docker_bridge"))
                .filter(b -> b.path("event").asText().equals(kind)).toList();
    }

    /** Engine events' alerts received. */
    private static long events(DatagramReceiver receiver) {
        return TestRecords.alerts(receiver.datagrams()).stream().filter(a -> a.has("docker")).count();
    }

    private static List<ILoggingEvent> stallLines(LogLines logged) {
        return logged.events().stream().filter(e -> e.getFormattedMessage().startsWith("partition ")).toList();
    }
}
