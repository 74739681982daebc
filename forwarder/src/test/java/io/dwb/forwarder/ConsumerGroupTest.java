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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 9: two forwarders of one group share six partitions; killing one hands its share over, no loss. */
@ExtendWith(SharedKafka.class)
class ConsumerGroupTest {
    private static final int EPS = 100;
    /** A change of the member's partitions in its log: assigned ones are added, revoked or lost ones taken away. */
    private static final Pattern CHANGE = Pattern.compile("partitions (assigned|revoked|lost)[^\\[]*\\[(.*)]");

    @TempDir
    Path dir;

    private static List<ProducerRecord<byte[], byte[]>> records(String topic, int from, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            String host = "host-" + (i % 12); // twelve engines spread over the six partitions
            records.add(TestRecords.event(topic, host, host + "-id",
                    TestRecords.containerEvent("g" + i, 1_764_000_000_000_000_000L + i)));
        }
        return records;
    }

    @Test
    void twoForwardersDeliverEveryRecordOnceAndTheSurvivorTakesOverTheKilledOnesPartitions(
            SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "group", 6);
        // Short session so a killed member is noticed in seconds, through --kafka-config.
        Path kafkaConfig = dir.resolve("kafka.properties");
        Files.writeString(kafkaConfig, "session.timeout.ms=6000\nheartbeat.interval.ms=1000\n");
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic",
                topic, "--group", "g-" + topic, "--wazuh-queue", dir.resolve("queue").toString(), "--eps",
                String.valueOf(EPS), "--kafka-config", kafkaConfig.toString(), "--retry-max-delay", "1s"));
        args.addAll(TestRecords.ANY_AGE);
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             // Two forwarders on one host feeding one queue: each needs its own static member id. The survivor
             // writes on its sending thread: a revocation commits only what that thread wrote.
             JavaProcess a = JavaProcess.start(ForwarderCommand.class, Map.of(), with(args, "--instance-id", "a"));
             JavaProcess b = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     with(with(args, "--instance-id", "b"), "--sending-thread"))) {
            // Both members hold partitions (the first may briefly hold all six, then give three up).
            await().atMost(Duration.ofSeconds(90)).until(() -> holdsThree(a) && holdsThree(b));

            TestRecords.sendAll(producer, records(topic, 0, 600));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 600);
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(1_500));
            assertThat(receiver.count()).as("each record once, in total").isEqualTo(600);
            assertThat(new HashSet<>(receiver.texts())).hasSize(600);

            TestRecords.sendAll(producer, records(topic, 600, 1_200));
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 900);
            a.kill();
            await().atMost(Duration.ofSeconds(120)).until(() -> new HashSet<>(receiver.texts()).size() == 1_800);
            int duplicates = receiver.count() - 1_800;
            assertThat(duplicates).as("what the killed one had delivered but not committed")
                    .isLessThanOrEqualTo(EPS + EPS / 20 + 1);
            assertThat(b.output()).contains("partitions assigned");
            assertThat(b.isAlive()).isTrue();
            assertThat(b.terminate(Duration.ofSeconds(60))).isZero();
        }
    }

    private static List<String> with(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    /**
     * Whether the member holds three partitions, by its log. The group rebalances cooperatively: a member's log
     * names only the partitions that came or went (the first may hold all six, then give three up).
     */
    private static boolean holdsThree(JavaProcess member) {
        Set<String> held = new HashSet<>();
        for (String line : member.output().split("\n")) {
            Matcher change = CHANGE.matcher(line);
            if (change.find()) {
                List<String> partitions = List.of(change.group(2).split(", "));
                if (change.group(1).equals("assigned")) {
                    held.addAll(partitions);
                } else {
                    held.removeAll(partitions);
                }
            }
        }
        return held.size() == 3;
    }
}
