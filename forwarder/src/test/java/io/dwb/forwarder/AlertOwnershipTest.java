package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.ContractJson;
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
import picocli.CommandLine;

/**
 * Alert ownership on a manager's queue: the forwarder process, a real broker and a real datagram socket. A host
 * registered in client.keys gets its agent's location; a host without an agent keeps {@code Wazuh-Docker}, until its
 * agent is registered.
 */
@ExtendWith(SharedKafka.class)
class AlertOwnershipTest {
    private static final String KEY = "5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99";

    @TempDir
    Path dir;

    @Test
    void aRegisteredHostsAlertsArriveUnderItsAgentAndAnUnregisteredHostsAsBefore(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "ownership", 2);
        Path keys = Files.writeString(dir.resolve("client.keys"), String.join("\n",
                "001 web-1 10.0.0.5 " + KEY,
                "002 !retired any " + KEY,
                "003 evil)name any " + KEY,
                "") );
        long t0 = System.currentTimeMillis() * 1_000_000L;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(TestRecords.event(topic, "web-1", "WEB1:ENGINE",
                    TestRecords.containerEvent("w" + i, t0 + i)));
            records.add(TestRecords.event(topic, "ci-runner", "CI:ENGINE",
                    TestRecords.containerEvent("c" + i, t0 + i)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class,
                     Map.of("DWB_AGENT_KEYS", keys.toString()),
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic,
                     "--dlq-topic", topic + "-dlq", "--wazuh-queue", receiver.path().toString(),
                     "--max-live-age", "0")) {
            await().atMost(Duration.ofSeconds(90)).until(() -> receiver.count() >= 10);
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(300));
            List<String> web = new ArrayList<>();
            List<String> ci = new ArrayList<>();
            for (String text : receiver.texts()) {
                String host = alertOf(text).path("docker_host").path("name").asText();
                (host.equals("web-1") ? web : ci).add(text);
            }
            assertThat(web).hasSize(5).allSatisfy(t -> assertThat(t).startsWith(
                    "1:[001] (web-1) 10.0.0.5->Wazuh-Docker:{\"integration\":\"docker\",\"docker_host\":{"));
            assertThat(ci).hasSize(5).allSatisfy(t -> assertThat(t)
                    .startsWith("1:Wazuh-Docker:{\"integration\":\"docker\",\"docker_host\":{"));

            // ci-runner's agent is registered while the forwarder runs: its next alerts are that agent's.
            Files.writeString(keys, "001 web-1 10.0.0.5 " + KEY + "\n004 ci-runner any " + KEY + "\n");
            Files.setLastModifiedTime(keys, java.nio.file.attribute.FileTime.fromMillis(
                    System.currentTimeMillis() + 2_000));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> forwarder.output().contains("read again the client.keys"));
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "ci-runner", "CI:ENGINE",
                        TestRecords.containerEvent("c-after", t0 + 10))));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() >= 11);
            assertThat(receiver.texts().get(10)).startsWith("1:[004] (ci-runner) any->Wazuh-Docker:{");

            assertThat(forwarder.terminate(Duration.ofSeconds(60))).isZero();
            assertThat(forwarder.output())
                    .contains("skipped line 3 of the client.keys " + keys)
                    .contains("alerts attributed to Wazuh agents: 1 host(s) from the client.keys")
                    .doesNotContain(KEY).doesNotContain("evil");
        }
    }

    @Test
    void attributionIsRefusedWhereItCannotWork() throws Exception {
        Path keys = Files.writeString(dir.resolve("client.keys"), "001 web-1 any " + KEY + "\n");
        // An agent's queue: the agent would forward every alert under its own id.
        Path home = dir.resolve("ossec");
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><client><server><address>m</address>"
                + "</server></client></ossec_config>");
        assertThatThrownBy(() -> owners("--agent-keys", keys.toString(), "--wazuh-queue",
                home.resolve("queue/sockets/queue").toString()))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("is an agent's");
        assertThatThrownBy(() -> owners("--agent-keys", keys.toString(), "--wazuh-queue", "-"))
                .isInstanceOf(ConfigurationError.class).hasMessageContaining("standard output");
        // A manager's queue (no <client> block) is where it works.
        Files.writeString(home.resolve("etc/ossec.conf"), "<ossec_config><global></global></ossec_config>");
        assertThat(owners("--agent-keys", keys.toString(), "--wazuh-queue",
                home.resolve("queue/sockets/queue").toString())).isInstanceOf(AgentAttribution.class);
        assertThat(owners()).isSameAs(AlertOwners.NONE);
    }

    private static AlertOwners owners(String... args) {
        ForwarderCommand command = new ForwarderCommand();
        new CommandLine(command).parseArgs(args);
        return command.owners(WazuhInstallationReader.read(command.wazuhQueue), 0);
    }

    /** The JSON after the datagram's head, whichever head it has. */
    private static JsonNode alertOf(String datagram) throws Exception {
        return ContractJson.MAPPER.readTree(datagram.substring(datagram.indexOf("{")));
    }
}
