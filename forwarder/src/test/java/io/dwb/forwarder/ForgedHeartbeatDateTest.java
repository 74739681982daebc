package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One heartbeat dated 2099, from anyone who may write the events topic (a heartbeat's time is its writer's): the
 * forwarder took its partition's time to be there, and reported every host of the partition silent, then again
 * after each of their heartbeats, until it was restarted. Hosts that keep speaking are not reported; the forger's
 * own host, heard once, is.
 */
@ExtendWith(SharedKafka.class)
class ForgedHeartbeatDateTest {
    private static final int HOSTS = 4;
    private static final int INTERVAL_SECONDS = 3; // silent after 9 s
    private static final long YEAR_2099_NANOS = 4_070_908_800_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void aHeartbeatDatedFarAheadMakesNoSpeakingHostSilent(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "forged-date", 1);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString());
             HeartbeatingHosts hosts = HeartbeatingHosts.start(topic, HOSTS, INTERVAL_SECONDS, () -> producer)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    >= HOSTS);

            long forged = producer.send(TestRecords.bridge(topic, "forger", "FORGER", "heartbeat",
                    ContractJson.write(new Heartbeat(ContractJson.rfc3339(YEAR_2099_NANOS), YEAR_2099_NANOS,
                            INTERVAL_SECONDS, true, null)))).get().offset();
            await().atMost(Duration.ofSeconds(30)).until(() -> TestRecords.committedTotal(broker, "g-" + topic)
                    > forged);

            // The forger's own host, heard once, is silent after its three intervals (from this clock's time plus
            // 5 s); the hosts that kept speaking, for three intervals and more, are not.
            await().atMost(Duration.ofSeconds(45)).until(() -> receiver.count() >= 1);
            await().during(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(45)).until(() -> receiver.alerts()
                    .stream().allMatch(a -> a.path("docker_host").path("id").asText().equals("FORGER")));
            assertThat(receiver.alerts()).extracting(a -> a.path("docker_bridge").path("event").asText() + " "
                    + a.path("docker_host").path("id").asText()).containsExactly("silent-host FORGER");
            run.assertAlive();
        }
    }
}
