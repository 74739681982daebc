package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code --wazuh-queue -}: one alert JSON a line on standard output, logs elsewhere; SIGTERM exits 0. */
@ExtendWith(SharedKafka.class)
class StandardOutputTest {

    @Test
    void alertsArePrintedOneALineWithoutTheQueuePrefix(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "stdout", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<JsonNode> events = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ObjectNode event = TestRecords.containerEvent("out-" + i, 1_764_000_000_000_000_000L + i);
            events.add(event);
            // Odd ones as Engine 29 sends them (no status/id/from): the forwarder adds the legacy fields back.
            records.add(TestRecords.event(topic, "h", "h-id",
                    i % 2 == 0 ? event : event.deepCopy().without(List.of("status", "id", "from"))));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), "--bootstrap-servers",
                     broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic, "--wazuh-queue", "-", "--max-live-age", "0")) {
            TestRecords.sendAll(producer, records);
            await().atMost(Duration.ofSeconds(60)).until(() -> alertLines(forwarder).size() >= 5);
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            List<String> lines = alertLines(forwarder);
            assertThat(lines).hasSize(5);
            for (int i = 0; i < 5; i++) {
                JsonNode alert = AlertJson.ofLine(lines.get(i));
                assertThat(TestRecords.SCHEMAS.validateAlert(alert)).isEmpty();
                assertThat(alert.get("docker")).isEqualTo(events.get(i));
            }
            assertThat(TestRecords.committedTotal(broker, "g-" + topic)).isEqualTo(5);
        }
    }

    /**
     * {@code bin/forwarder --wazuh-queue - | head}, as the docs give it: once {@code head} had its lines and went away,
     * the forwarder paused at its next alert ("standard output is closed or failing") and retried for good, and the
     * pipeline never ended. It stops, as a filter does on a broken pipe: exit 0, what the pipe took committed, the
     * alert it could not write and those after it not.
     */
    @Test
    void aPipeWhoseReaderWentAwayStopsTheForwarder(SharedKafka.Broker broker, @TempDir Path dir) throws Exception {
        String topic = TestRecords.topic(broker, "stdout-head", 1);
        List<String> forwarder = JavaProcess.command(ForwarderCommand.class, List.of("-Xmx256m"), List.of(
                "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic,
                "--wazuh-queue", "-", "--max-live-age", "0"));
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Path status = dir.resolve("status");
        String pipeline = forwarder.stream().map(StandardOutputTest::quoted).collect(Collectors.joining(" "))
                + " 2>" + quoted(err.toString()) + " | head -n 3 >" + quoted(out.toString())
                + "; echo \"${PIPESTATUS[0]}\" >" + quoted(status.toString());
        Process bash = new ProcessBuilder("bash", "-c", pipeline).redirectErrorStream(true)
                .redirectOutput(dir.resolve("bash").toFile()).start();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, batch(topic, 0, 5));
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(out)
                    && Files.readAllLines(out).size() == 3);
            // head has its three lines and is gone (the pipe took all five): the next alert meets the closed pipe.
            TestRecords.sendAll(producer, batch(topic, 5, 5));
            assertThat(bash.waitFor(60, TimeUnit.SECONDS)).as("the pipeline ended:\n%s", read(err)).isTrue();
        } finally {
            bash.destroyForcibly();
        }
        assertThat(read(status).strip()).as("the forwarder's exit code:\n%s", read(err)).isEqualTo("0");
        assertThat(read(err)).contains("standard output is closed (its reader went away): stopping");
        long committed = TestRecords.committedTotal(broker, "g-" + topic);
        // head may have gone after the third line, before the fourth was written: 3 at the least
        assertThat(committed).as("what the pipe took, not what it refused").isBetween(3L, 9L);
    }

    /**
     * Any other failure of standard output ({@code > file} on a full disk: here /dev/full) is no reader gone: delivery
     * waits, retried, and the process runs on (the first version stopped it, exit 0, for any failure).
     */
    @Test
    void aFullDiskUnderStandardOutputPausesDeliveryAndTheForwarderRunsOn(SharedKafka.Broker broker, @TempDir Path dir)
            throws Exception {
        String topic = TestRecords.topic(broker, "stdout-full", 1);
        Path err = dir.resolve("err");
        ProcessBuilder builder = new ProcessBuilder(JavaProcess.command(ForwarderCommand.class, List.of("-Xmx256m"),
                List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic,
                        "--wazuh-queue", "-", "--max-live-age", "0")))
                .redirectOutput(new java.io.File("/dev/full")).redirectError(err.toFile());
        builder.environment().put("LC_ALL", "C"); // the system's words below are the locale's
        Process forwarder = builder.start();
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, batch(topic, 0, 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> read(err).contains("paused: standard output is "
                    + "closed or failing (No space left on device)"));
            assertThat(forwarder.isAlive()).isTrue();
            assertThat(read(err)).doesNotContain("stopping");
            assertThat(TestRecords.committedTotal(broker, "g-" + topic)).as("nothing delivered").isZero();
        } finally {
            forwarder.destroy();
            forwarder.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> batch(String topic, int from, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            records.add(TestRecords.event(topic, "h", "h-id",
                    TestRecords.containerEvent("head-" + i, 1_764_000_000_000_000_000L + i)));
        }
        return records;
    }

    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private static String read(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** Standard output and error are interleaved in the process log; alerts are the lines that are JSON. */
    private static List<String> alertLines(JavaProcess process) {
        return Arrays.stream(process.output().split("\n")).filter(l -> l.startsWith("{\"integration\""))
                .toList();
    }
}
