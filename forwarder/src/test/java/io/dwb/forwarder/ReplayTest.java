package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Acceptance 8: a replay delivers exactly the window, marked replay, leaves group offsets alone, and exits 0. */
@ExtendWith(SharedKafka.class)
class ReplayTest {
    @TempDir
    Path dir;

    /** Writes 200 container events a second apart, the first an hour ago (whole seconds); returns its time. */
    private static long anHourOfEvents(SharedKafka.Broker broker, String topic, String prefix) throws Exception {
        long t0 = (System.currentTimeMillis() / 1000 - 3_600) * 1_000_000_000L;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            records.add(TestRecords.event(topic, "host-0", "host-0-id",
                    TestRecords.containerEvent(prefix + i, t0 + i * 1_000_000_000L)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
        return t0;
    }

    /** A replay of {@code topic} from {@code from} at 20 alerts/s into {@code receiver}: ten seconds for 200. */
    private static JavaProcess slowReplay(SharedKafka.Broker broker, String topic, DatagramReceiver receiver,
                                          long from, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic",
                topic, "--wazuh-queue", receiver.path().toString(), "--eps", "20", "--from",
                ContractJson.rfc3339(from)));
        args.addAll(List.of(more));
        return JavaProcess.start(ForwarderCommand.class, Map.of(), args);
    }

    @Test
    void replayDeliversExactlyTheRecordsOfTheWindowMarkedReplayAndTouchesNoGroupOffsets(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "replay", 3);
        String group = "g-" + topic;
        long t0 = (System.currentTimeMillis() / 1000 - 3_600) * 1_000_000_000L; // an hour ago, whole seconds
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String host = "host-" + (i % 3);
            long timeNano = t0 + i * 1_000_000_000L + 123;
            records.add(TestRecords.event(topic, host, host + "-id", TestRecords.containerEvent("r" + i, timeNano)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
        // The live forwarder of the group has delivered everything: its offsets are at the end.
        try (DatagramReceiver live = DatagramReceiver.bind(dir.resolve("live"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, live.path().toString())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> live.count() >= 300
                    && TestRecords.committedTotal(broker, group) == 300);
        }
        Map<TopicPartition, OffsetAndMetadata> before = TestRecords.committed(broker, group);

        long from = t0 + 100 * 1_000_000_000L;
        long to = t0 + 200 * 1_000_000_000L;
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("replay"));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group", group,
                     "--wazuh-queue", receiver.path().toString(), "--eps", "100",
                     "--from", ContractJson.rfc3339(from), "--to", String.valueOf(to / 1_000_000_000L))) {
            assertThat(replay.waitFor(Duration.ofSeconds(120))).as(replay.output()).isZero();
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200)); // the receiver read all it was sent
            List<ObjectNode> alerts = TestRecords.alerts(receiver.datagrams());
            assertThat(alerts).allSatisfy(a -> assertThat(a.get("replay").asBoolean()).isTrue());
            Set<Long> times = alerts.stream().map(a -> a.get("docker").get("timeNano").asLong())
                    .collect(Collectors.toSet());
            Set<Long> expected = new java.util.HashSet<>();
            for (int i = 100; i < 200; i++) {
                expected.add(t0 + i * 1_000_000_000L + 123);
            }
            assertThat(alerts).hasSize(100);
            assertThat(times).isEqualTo(expected);
            assertThat(replay.output()).contains("replay done: window delivered (100 alerts sent, 0 duplicates left "
                    + "out, 0 invalid records skipped, 0 alerts refused by the Wazuh queue, not delivered, 0 offsets "
                    + "deleted by Kafka before they were read)");
        }
        assertThat(TestRecords.committed(broker, group)).isEqualTo(before);
    }

    @Test
    void aWindowWithNothingInItIsDoneAtOnceWithExit0AndNothingSent(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "replay-empty", 3);
        long anHourAgo = (System.currentTimeMillis() / 1000 - 3_600) * 1_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, List.of(TestRecords.event(topic, "host-0", "host-0-id",
                    TestRecords.containerEvent("old", anHourAgo))));
        }
        long from = anHourAgo + 600 * 1_000_000_000L; // after every record: a quiet window
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("empty"));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                     "--wazuh-queue", receiver.path().toString(), "--from", ContractJson.rfc3339(from))) {
            assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isZero();
            assertThat(replay.output()).contains("0 of 3 partitions, at most 0 records")
                    .contains("replay done: nothing in the window");
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200));
            assertThat(receiver.datagrams()).isEmpty();
        }
    }

    /** Kafka unreachable at a replay's start: exit 1, the servers named, as the live forwarder says it. */
    @Test
    void aReplayWhoseKafkaDoesNotAnswerSaysWhereItLooked() throws Exception {
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("unreachable"));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--bootstrap-servers", "127.0.0.1:1", "--wazuh-queue", receiver.path().toString(),
                     "--from", "2026-01-01T00:00:00Z")) {
            assertThat(replay.waitFor(Duration.ofSeconds(90))).as(replay.output()).isEqualTo(1);
            assertThat(replay.output()).contains("error: cannot reach Kafka at 127.0.0.1:1 (no answer to the "
                    + "replay's look at topic docker-events)");
        }
    }

    @Test
    void aReplayOfATopicThatDoesNotExistIsABadConfiguration(SharedKafka.Broker broker) throws Exception {
        String topic = "no-such-topic-" + System.nanoTime();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("missing"));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                     "--wazuh-queue", receiver.path().toString(), "--from", "2026-01-01T00:00:00Z")) {
            assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isEqualTo(2);
            assertThat(replay.output()).contains("error: topic " + topic + " does not exist: nothing to replay");
        }
    }

    /** A replay stopped before its end says so and exits 1: a script must not take the part for the whole window. */
    @Test
    void aReplayStoppedBeforeTheEndOfItsWindowSaysSoAndExits1(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "replay-stopped", 1);
        long t0 = anHourOfEvents(broker, topic, "s");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("stopped"));
             JavaProcess replay = slowReplay(broker, topic, receiver, t0)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 5); // 10 s of the window's 200
            assertThat(replay.terminate(Duration.ofSeconds(30))).as(replay.output()).isEqualTo(1);
            assertThat(replay.output()).contains("stopping the replay")
                    .contains("replay stopped before the end of its window")
                    .doesNotContain("replay done").doesNotContain("committing");
            assertThat(receiver.count()).isLessThan(200);
        }
    }

    /**
     * The events topic deleted while a replay reads it: the replay delivers what it had read, says how much of its
     * window went with the topic, and ends (exit 0, as for records retention deletes: running it again delivers
     * nothing more). Before, its consumer waited for the partitions to come back, for good: a script never ended.
     */
    @Test
    void aReplayWhoseTopicIsDeletedMidWayDeliversWhatItReadAndEnds(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "replay-deleted", 1);
        long t0 = anHourOfEvents(broker, topic, "d");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("deleted"));
             JavaProcess replay = slowReplay(broker, topic, receiver, t0, "--max-pending", "10")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 5); // 10 s of the window's 200
            try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
                admin.deleteTopics(List.of(topic)).all().get();
            }
            assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isZero();
            String output = replay.output();
            long gone = Long.parseLong(output.replaceAll("(?s).*was deleted \\(or made again\\) during the replay: up "
                    + "to (\\d+) offsets.*", "$1"));
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200));
            assertThat(output).contains("topic " + topic + " was deleted (or made again) during the replay: up to "
                    + gone + " offsets of its window not read yet are gone with it");
            assertThat(receiver.count()).as("what was read is delivered, the rest is said gone")
                    .isLessThan(200).isEqualTo(200 - (int) gone);
            assertThat(output).contains("replay done: window delivered (" + receiver.count() + " alerts sent")
                    .contains(gone + " offsets deleted by Kafka before they were read)");
        }
    }

    /**
     * The topic deleted and made again at once while a replay reads it (a listener's producer on a cluster that
     * creates topics on first use), with new records, fewer than the replay had read: none of them is delivered as
     * the window's, and the replay ends as for a deletion.
     */
    @Test
    void aReplayWhoseTopicIsMadeAgainDeliversNoneOfTheNewTopicsRecords(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "replay-remade", 1);
        long t0 = anHourOfEvents(broker, topic, "old");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("remade"));
             JavaProcess replay = slowReplay(broker, topic, receiver, t0, "--max-pending", "10")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 5);
            try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
                admin.deleteTopics(List.of(topic)).all().get();
                await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(topic));
            }
            broker.createTopic(topic, 1, Map.of("retention.ms", "-1"));
            TestRecords.awaitLeaders(broker, topic);
            long now = System.currentTimeMillis() * 1_000_000L;
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                TestRecords.sendAll(producer, List.of(
                        TestRecords.event(topic, "host-0", "host-0-id", TestRecords.containerEvent("new0", now)),
                        TestRecords.event(topic, "host-0", "host-0-id", TestRecords.containerEvent("new1", now))));
            }
            assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isZero();
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200));
            assertThat(replay.output()).contains("was deleted (or made again) during the replay");
            assertThat(receiver.texts()).as("none of the new topic's records").noneMatch(t -> t.contains("new"));
        }
    }

    /**
     * A replay given the live forwarders' {@code --kafka-config}, whose {@code auto.offset.reset} is a strategy the
     * consumer applies itself ({@code by_duration}): records deleted ahead of its position mid-run are said, and it
     * goes on from the first record kept. Before, the consumer's own reset jumped to an hour ago, past every record
     * of the window still kept, and the replay said "window delivered (… 0 offsets deleted …)", exit 0.
     */
    @Test
    void aReplayGoesOnFromTheFirstRecordKeptWhateverResetTheKafkaConfigurationGives(SharedKafka.Broker broker)
            throws Exception {
        String topic = TestRecords.topic(broker, "replay-reset", 1);
        long t0 = (System.currentTimeMillis() / 1000 - 7_200) * 1_000_000_000L; // two hours ago: before by_duration's
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            records.add(TestRecords.event(topic, "host-0", "host-0-id",
                    TestRecords.containerEvent("k" + i, t0 + i * 1_000_000_000L)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record).get(); // a batch each: a fetch returns a whole batch, whatever its size
            }
        }
        Path config = dir.resolve("live.properties");
        // Fetches of a record or so, and few held (--max-pending), so that the position stays near what was delivered.
        java.nio.file.Files.writeString(config, "bootstrap.servers=" + broker.bootstrapServers()
                + "\nauto.offset.reset=by_duration:PT1H\nmax.partition.fetch.bytes=1024\nfetch.max.bytes=1024\n");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("reset"));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--kafka-config", config.toString(), "--topic", topic,
                     "--wazuh-queue", receiver.path().toString(), "--eps", "40", "--max-pending", "5",
                     "--from", ContractJson.rfc3339(t0))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> receiver.count() >= 5);
            try (org.apache.kafka.clients.admin.Admin admin = broker.admin()) {
                admin.deleteRecords(Map.of(new TopicPartition(topic, 0),
                        org.apache.kafka.clients.admin.RecordsToDelete.beforeOffset(200))).all().get();
            }
            assertThat(replay.waitFor(Duration.ofSeconds(120))).as(replay.output()).isZero();
            TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200));
            Set<String> sent = TestRecords.alerts(receiver.datagrams()).stream()
                    .map(a -> a.get("docker").get("Actor").get("Attributes").get("name").asText())
                    .collect(Collectors.toSet());
            for (int i = 200; i < 300; i++) {
                assertThat(sent).as("kept, of the window").contains("k" + i);
            }
            assertThat(replay.output()).contains("replay done").doesNotContain(" 0 offsets deleted by Kafka");
        }
    }

    /**
     * A replay whose window a transaction kept open from its start to its end held in part exits 1, as one stopped
     * before its end: run again once the transaction is over, it delivers the rest. Before, it said "window
     * delivered" and exited 0, so a script took the part for the whole.
     */
    @Test
    void aReplayHeldInPartByATransactionLeftOpenSaysSoAndExits1(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "replay-held", 1);
        long t0 = (System.currentTimeMillis() / 1000 - 3_600) * 1_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
             KafkaProducer<byte[], byte[]> holder = TestRecords.transactional(broker, "holder-" + topic)) {
            for (int i = 0; i < 10; i++) {
                producer.send(TestRecords.event(topic, "host-0", "host-0-id",
                        TestRecords.containerEvent("h" + i, t0 + i * 1_000_000_000L))).get();
            }
            holder.initTransactions();
            holder.beginTransaction();
            holder.send(TestRecords.event(topic, "host-1", "host-1-id",
                    TestRecords.containerEvent("held", t0 + 10 * 1_000_000_000L))).get();
            try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("held"));
                 JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                         "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                         "--wazuh-queue", receiver.path().toString(), "--from", ContractJson.rfc3339(t0))) {
                assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isEqualTo(1);
                assertThat(replay.output()).contains("replay done: window delivered but for records held by open "
                        + "transactions (10 alerts sent").contains("run the replay again once they are over")
                        .doesNotContain("replay stopped");
                TestRecords.awaitNothingMore(receiver, Duration.ofMillis(200));
                assertThat(receiver.datagrams()).hasSize(10);
            } finally {
                holder.abortTransaction();
            }
        }
    }
}
