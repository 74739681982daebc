package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder writing to a Wazuh agent's queue while agentd's state file says it is not connected to its manager:
 * agentd drops what its buffer cannot hold, after the forwarder committed it. Delivery waits, nothing committed, and
 * goes on once the state says connected: every event once.
 */
@ExtendWith(SharedKafka.class)
class AgentDisconnectedTest {
    private static final int EVENTS = 50;

    @TempDir
    Path home;

    @Test
    void deliveryWaitsWhileTheAgentIsDisconnectedFromItsManagerAndLosesNothing(SharedKafka.Broker broker)
            throws Exception {
        Files.createDirectories(home.resolve("etc"));
        Files.createDirectories(home.resolve("queue/sockets"));
        Files.createDirectories(home.resolve("var/run"));
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><client><server><address>10.0.0.1</address>"
                + "</server></client></ossec_config>\n");
        Path state = home.resolve(AgentStateGate.STATE_FILE);
        Files.writeString(state, "status='disconnected'\nmsg_buffer='0'\n");
        String topic = TestRecords.topic(broker, "agent-disconnected", 1);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            records.add(TestRecords.event(topic, "host-a", "host-a-id",
                    TestRecords.containerEvent("c" + i, 1_764_000_000_000_000_000L + i)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             DatagramReceiver receiver = DatagramReceiver.bind(home.resolve("queue/sockets/queue"))) {
            TestRecords.sendAll(producer, records);
            List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(),
                    "--topic", topic, "--group", "g-" + topic, "--wazuh-queue", receiver.path().toString(),
                    "--commit-interval", "1s", "--retry-max-delay", "1s"));
            args.addAll(TestRecords.ANY_AGE);
            try (JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), args)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> forwarder.output().contains(
                        "paused: the Wazuh agent is not connected to its manager (status 'disconnected'"));
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(3));
                assertThat(receiver.count()).as("nothing sent to an agent that would drop it").isZero();
                assertThat(TestRecords.committedTotal(broker, "g-" + topic)).as("nothing committed").isZero();

                Files.writeString(state, "status='connected'\nmsg_buffer='0'\n");
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= EVENTS);
                TestRecords.awaitNothingMore(receiver, Duration.ofSeconds(2));
                assertThat(receiver.count()).isEqualTo(EVENTS);
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        TestRecords.committedTotal(broker, "g-" + topic) == EVENTS);
                assertThat(forwarder.output()).contains("delivery follows the Wazuh agent's state (" + state + ")");
            }
        }
    }
}
