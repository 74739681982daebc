package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay reads the events topic's retention (DescribeConfigs) to tell whether what was deleted before its window's
 * start may be of the window; against a broker.
 */
@ExtendWith(SharedKafka.class)
class ReplayRetentionTest {
    private static final long DAY_MS = Duration.ofDays(1).toMillis();

    @TempDir
    Path dir;

    @Test
    void theTopicsRetentionIsReadAsTheBrokerGivesIt(SharedKafka.Broker broker) {
        String timed = topic(broker, "retention-timed", Map.of("retention.ms", String.valueOf(DAY_MS)));
        String sized = topic(broker, "retention-sized", Map.of("retention.ms", String.valueOf(DAY_MS),
                "retention.bytes", "1073741824"));
        Properties kafka = new Properties();
        kafka.put("bootstrap.servers", broker.bootstrapServers());
        TopicRetention.Reader reader = TopicRetention.Reader.admin(kafka);

        assertThat(reader.of(timed)).isEqualTo(new TopicRetention(DAY_MS, -1));
        assertThat(reader.of(sized)).isEqualTo(new TopicRetention(DAY_MS, 1_073_741_824L));
        assertThatThrownBy(() -> reader.of("no-such-topic-" + System.nanoTime())).isInstanceOf(KafkaException.class);
    }

    /**
     * A partition whose every record was deleted (DeleteRecords here, standing in for retention: the replay cannot
     * tell them apart) is said for a window starting before the topic's retention horizon (now - 1 day), not for one
     * starting after it.
     */
    @Test
    void aPartitionWhollyEmptiedIsSaidOnlyForAWindowStartingBeforeTheRetentionHorizon(SharedKafka.Broker broker)
            throws Exception {
        String topic = topic(broker, "retention-emptied", Map.of("retention.ms", String.valueOf(DAY_MS)));
        long anHourAgo = (System.currentTimeMillis() / 1000 - 3_600) * 1_000_000_000L;
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add(TestRecords.event(topic, "host-0", "host-0-id",
                    TestRecords.containerEvent("d" + i, anHourAgo + i * 1_000_000_000L)));
        }
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            TestRecords.sendAll(producer, records);
        }
        try (Admin admin = broker.admin()) {
            admin.deleteRecords(Map.of(new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(10))).all().get();
        }

        String after = replay(broker, topic, anHourAgo - 3_600 * 1_000_000_000L, "after");
        assertThat(after).contains("replay done: nothing in the window").doesNotContain("may be gone")
                .doesNotContain("deleted by retention")
                .as("named still, at INFO: DeleteRecords, as here, is what retention cannot tell")
                .contains("records were deleted before the window's start in 1 partition(s): " + topic + "-0 wholly")
                .contains("unless DeleteRecords or a shorter retention.ms set earlier removed them");

        String before = replay(broker, topic, anHourAgo - 2 * DAY_MS * 1_000_000L, "before");
        assertThat(before).contains("the start of the window may be gone from 1 of 1 partitions")
                .contains(topic + "-0 wholly (every record below offset 10 deleted, none kept)")
                .contains("replay done: nothing in the window; its start may have been deleted by retention before "
                        + "the replay began in 1 of 1 partitions (named at start)")
                .doesNotContain("could not be read");
    }

    private String replay(SharedKafka.Broker broker, String topic, long fromNanos, String name) throws Exception {
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve(name));
             JavaProcess replay = JavaProcess.start(ForwarderCommand.class, Map.of(),
                     "--bootstrap-servers", broker.bootstrapServers(), "--topic", topic,
                     "--wazuh-queue", receiver.path().toString(), "--from", ContractJson.rfc3339(fromNanos))) {
            assertThat(replay.waitFor(Duration.ofSeconds(60))).as(replay.output()).isZero();
            return replay.output();
        }
    }

    /** A topic of one partition with these settings, its leader known. */
    private static String topic(SharedKafka.Broker broker, String prefix, Map<String, String> config) {
        String name = SharedKafka.Broker.uniqueTopic(prefix);
        broker.createTopic(name, 1, config);
        try (Admin admin = broker.admin()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of(name)).allTopicNames()
                    .get().get(name).partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        }
        return name;
    }
}
