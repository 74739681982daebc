package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kafka client settings of a {@code --kafka-config} file that the forwarder's own settings must live with. */
@ExtendWith(SharedKafka.class)
class KafkaConfigFileTest {
    @TempDir
    Path dir;

    /**
     * Azure Event Hubs recommends {@code request.timeout.ms=60000}: above the timeouts the forwarder gives its admin
     * clients (the open-transaction watch's 2 s) and its dead-letter producer (30 s), which Kafka refused to build.
     */
    @Test
    void aLongRequestTimeoutStartsDeliversAndDeadLetters(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "long-requests", 1);
        String dlq = topic + "-dlq";
        Path config = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers="
                + broker.bootstrapServers() + "\nrequest.timeout.ms=60000\n");
        List<String> args = new ArrayList<>(List.of("--kafka-config", config.toString(), "--topic", topic,
                "--group", "g-" + topic, "--dlq-topic", dlq, "--wazuh-queue", "-"));
        args.addAll(TestRecords.ANY_AGE);
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
            TestRecords.sendAll(producer, List.of(
                    TestRecords.event(topic, "h", "h-id",
                            TestRecords.containerEvent("kept", 1_764_000_000_000_000_000L)),
                    TestRecords.event(topic, "h", "h-id", "{broken".getBytes(StandardCharsets.UTF_8), null,
                            1_764_000_000_000L)));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                assertThat(forwarder.isAlive()).as(forwarder.output()).isTrue();
                return alertLines(forwarder).size() == 1 && broker.readAll(dlq).size() == 1;
            });
            assertThat(alertLines(forwarder).get(0)).contains("kept");
            assertThat(forwarder.terminate(Duration.ofSeconds(60))).as(forwarder.output()).isZero();
        }
    }

    /**
     * A duration where Kafka takes milliseconds ({@code default.api.timeout.ms=60s}): a configuration error naming
     * the property, exit 2 (systemd does not restart it). Before: {@code error: For input string: "60s"}, exit 1.
     */
    @Test
    void aTimeoutThatIsNoNumberIsAConfigurationErrorNamingIt(SharedKafka.Broker broker) throws Exception {
        Path config = Files.writeString(dir.resolve("client.properties"), "bootstrap.servers="
                + broker.bootstrapServers() + "\ndefault.api.timeout.ms=60s\n");
        for (List<String> extra : List.of(List.<String>of(), List.of("--check"))) {
            List<String> args = new ArrayList<>(List.of("--kafka-config", config.toString(), "--wazuh-queue", "-"));
            args.addAll(extra);
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                assertThat(forwarder.waitFor(Duration.ofSeconds(60))).as(forwarder.output()).isEqualTo(2);
                assertThat(forwarder.output()).contains("default.api.timeout.ms in the Kafka client configuration "
                        + "is not a number of milliseconds: 60s");
            }
        }
    }

    /** Standard output and error are interleaved in the process log; alerts are the lines that are JSON. */
    private static List<String> alertLines(JavaProcess process) {
        return Arrays.stream(process.output().split("\n")).filter(l -> l.startsWith("{\"integration\"")).toList();
    }
}
