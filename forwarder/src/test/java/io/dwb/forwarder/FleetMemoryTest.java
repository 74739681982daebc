package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.EventId;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet's worth of hosts through one forwarder process started as {@code bin/forwarder} starts it (the launcher's
 * JVM flags: a fixed 72 MB heap), with every option at its default. With a duplicate window per host, 10,000 hosts
 * of a few dozen events each filled that heap and the JVM exited on OutOfMemoryError; the window's total bound keeps
 * the forwarder's memory independent of the number of hosts.
 *
 * <p>Its peak RSS is printed, not asserted: the 200 MB goal is the benchmarks' ({@code bin/bench fleet}, 10,000 hosts:
 * 181 MB), as the project's standards put memory goals. Asserted here, it failed a CI run at 206 MB where the same
 * code peaked at 190-194 MB run alone: the C2 compiler's arenas, which its compilations take and give back, held 15 MB
 * at the peak of a run under load (1.8 MB idle, by native memory tracking), more or less by how the compilations
 * fall.
 */
@ExtendWith(SharedKafka.class)
class FleetMemoryTest {
    private static final int HOSTS = 10_000;
    /**
     * Enough ids (500,000) that a per-host window outgrew the heap; few enough for CI. The run (120 a host,
     * 1.2M records) is {@code -Ddwb.fleet.eventsPerHost=120}.
     */
    private static final int EVENTS_PER_HOST = Integer.getInteger("dwb.fleet.eventsPerHost", 50);

    @TempDir
    Path dir;

    @Test
    void tenThousandHostsAtDefaultSettingsAreDeliveredWithinTheHeap(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "fleet", 6);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            // Recent event times: older ones would be skipped by --max-live-age (1h) at a new group's first start.
            long t0 = System.currentTimeMillis() * 1_000_000L - 30 * 60 * 1_000_000_000L;
            for (int n = 0; n < EVENTS_PER_HOST; n++) {
                for (int h = 0; h < HOSTS; h++) {
                    String hostId = "HOST-" + h;
                    long timeNano = t0 + n * 1_000_000_000L + h;
                    byte[] value = ("{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"c" + n
                            + "\",\"Attributes\":{}},\"scope\":\"local\",\"time\":" + timeNano / 1_000_000_000L
                            + ",\"timeNano\":" + timeNano + "}").getBytes(StandardCharsets.UTF_8);
                    producer.send(TestRecords.event(topic, "host-" + h, hostId, value,
                            EventId.of(hostId, String.valueOf(timeNano), "container", "start", "c" + n),
                            timeNano / 1_000_000L));
                }
            }
            producer.flush();
        }
        int total = HOSTS * EVENTS_PER_HOST;
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, JavaProcess.launcherFlags("forwarder"),
                     JavaProcess.launcherEnv(), List.of("--bootstrap-servers", broker.bootstrapServers(),
                             "--topic", topic, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                             "--wazuh-queue", receiver.path().toString()))) {
            // At least 1,000 events/s even on a loaded CI machine (it delivers ~60,000/s unloaded; in CI runs, where
            // the fork's broker answered no fetch for 10 s at times, 2,100/s and once under 1,600/s): a test of memory
            await().atMost(Duration.ofSeconds(60 + total / 1_000)).pollInterval(Duration.ofMillis(500))
                    .until(() -> receiver.count() >= total || !forwarder.isAlive());
            assertThat(forwarder.isAlive()).as("the forwarder is running; its output:%n%s", forwarder.output())
                    .isTrue();
            assertThat(forwarder.output()).doesNotContain("java.lang.OutOfMemoryError");
            assertThat(receiver.count()).isEqualTo(total);
            long peakRssKb = peakRssKb(forwarder.pid());
            System.out.printf("%,d hosts x %d events: delivered, peak RSS %,d kB%n", HOSTS, EVENTS_PER_HOST,
                    peakRssKb);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    /** VmHWM: the most resident memory the process had at any time. */
    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
    }
}
