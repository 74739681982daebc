package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.TopicProblem.Severity;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The topics of the contract, created on purpose on a real broker, and existing ones that cannot work refused. */
@ExtendWith(SharedKafka.class)
class TopicProvisionerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int ROUNDS = 5;

    private static List<TopicProblem> ensure(Broker broker, TopicPlan plan) {
        try (Admin admin = broker.admin()) {
            return new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT).ensure(plan);
        }
    }

    private static TopicPlan plan(boolean create, TopicSpec... specs) {
        return new TopicPlan(List.of(specs), new Replication(null, null), create);
    }

    private static Config config(Broker broker, String topic) {
        return broker.topicConfig(topic);
    }

    private static TopicDescription describe(Broker broker, String topic) {
        return broker.describeTopic(topic);
    }

    private static boolean exists(Broker broker, String topic) throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.listTopics().names().get().contains(topic);
        }
    }

    /**
     * A shared cluster's other topics cost a start nothing: it asked for the names of every topic (a fleet's listeners
     * all at once after an outage, each reading them all), where it needs its own.
     */
    @Test
    void aStartReadsOfItsOwnTopicsOnlyNotOfEveryTopicOfTheCluster(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String checkpoints = Broker.uniqueTopic("checkpoints");
        TopicPlan plan = plan(true, TopicSpec.events(events, 1, Duration.ofDays(1), -1),
                TopicSpec.checkpoints(checkpoints, 1));
        assertThat(ensure(broker, plan)).isEmpty();
        List<NewTopic> others = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            others.add(new NewTopic(Broker.uniqueTopic("another-team-s-topic-" + "x".repeat(180) + "-" + i), 1,
                    (short) 1));
        }
        try (Admin admin = broker.admin()) {
            admin.createTopics(others).all().get(60, TimeUnit.SECONDS);
            try {
                try (Admin asking = broker.admin()) {
                    TopicProvisioner provisioner = new TopicProvisioner(asking, broker.bootstrapServers(), TIMEOUT);
                    provisioner.inspect(plan); // connected, its metadata of the brokers read
                    double before = incomingBytes(asking);
                    assertThat(provisioner.ensure(plan)).isEmpty();
                    // The 300 names alone are over 60 KB; its own topics' descriptions and settings a few KB.
                    assertThat(incomingBytes(asking) - before).as("bytes a start read").isLessThan(20_000);
                }
            } finally {
                admin.deleteTopics(others.stream().map(NewTopic::name).toList()).all().get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static double incomingBytes(Admin admin) {
        return admin.metrics().entrySet().stream()
                .filter(m -> m.getKey().name().equals("incoming-byte-total")
                        && m.getKey().group().equals("admin-client-metrics"))
                .mapToDouble(m -> ((Number) m.getValue().metricValue()).doubleValue()).sum();
    }

    @Test
    void missingTopicsAreCreatedWithTheAskedSettings(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String checkpoints = Broker.uniqueTopic("checkpoints");
        String dlq = Broker.uniqueTopic("dlq");

        List<TopicProblem> warnings = ensure(broker, plan(true,
                TopicSpec.events(events, 6, Duration.ofDays(2), -1),
                TopicSpec.checkpoints(checkpoints, 12),
                TopicSpec.deadLetters(dlq, 3, Duration.ofDays(30))));

        assertThat(warnings).isEmpty();
        assertThat(describe(broker, events).partitions()).hasSize(6);
        assertThat(describe(broker, checkpoints).partitions()).hasSize(12);
        assertThat(describe(broker, dlq).partitions()).hasSize(3);
        // One broker: the default replication factor min(3, brokers) is 1, min.insync.replicas min(2, 1) is 1.
        assertThat(describe(broker, events).partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(1));
        assertThat(config(broker, events).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).isEqualTo("1");
        assertThat(config(broker, events).get(TopicConfig.RETENTION_MS_CONFIG).value())
                .isEqualTo(String.valueOf(Duration.ofDays(2).toMillis()));
        assertThat(config(broker, events).get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("delete");
        assertThat(config(broker, checkpoints).get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        for (String readByUs : List.of(events, checkpoints)) {
            assertThat(config(broker, readByUs).get(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG).value())
                    .isEqualTo(String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES));
        }
        assertThat(config(broker, checkpoints).get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo("3600000");
        assertThat(config(broker, dlq).get(TopicConfig.RETENTION_MS_CONFIG).value())
                .isEqualTo(String.valueOf(Duration.ofDays(30).toMillis()));
        for (String topic : List.of(events, checkpoints, dlq)) {
            assertThat(config(broker, topic).get(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG))
                    .as("set on the topic, whatever the cluster's default").satisfies(c -> {
                        assertThat(c.value()).isEqualTo("false");
                        assertThat(c.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
                    });
        }

        assertThat(ensure(broker, plan(true, TopicSpec.events(events, 6, Duration.ofDays(2), -1))))
                .as("a second start finds them as it left them").isEmpty();
    }

    @Test
    void twoProcessesEnsuringTheSameTopicsTogetherBothStart(Broker broker) throws Exception {
        // A listener and a forwarder starting together: one creates, the other finds the topics just created
        // (TopicExists, then UnknownTopicOrPartition until the broker's metadata has them). Several rounds because
        // the window is a few milliseconds.
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                TopicPlan plan = plan(true, TopicSpec.events(Broker.uniqueTopic("events"), 3, Duration.ofDays(2), -1),
                        TopicSpec.checkpoints(Broker.uniqueTopic("checkpoints"), 3),
                        TopicSpec.deadLetters(Broker.uniqueTopic("dlq"), 3, Duration.ofDays(30)));
                CyclicBarrier together = new CyclicBarrier(2);
                Callable<List<TopicProblem>> process = () -> {
                    try (Admin admin = broker.admin()) {
                        admin.describeCluster().nodes().get(); // connected before the race starts
                        together.await();
                        return new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT).ensure(plan);
                    }
                };
                List<Future<List<TopicProblem>>> starts = pool.invokeAll(List.of(process, process));
                for (Future<List<TopicProblem>> start : starts) {
                    assertThat(start.get()).as("round %d: both start, without warnings", round).isEmpty();
                }
                for (TopicSpec topic : plan.topics()) {
                    assertThat(describe(broker, topic.name()).partitions()).hasSize(3);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTopicAnotherProcessCreatesMeanwhileIsCheckedOnceTheBrokerKnowsIt(Broker broker) {
        String events = Broker.uniqueTopic("events");
        // Found missing, created by another process, so ours is refused as existing; then described as unknown
        // three times, as by a broker whose metadata is behind its controller.
        try (LaggingMetadataAdmin admin = new LaggingMetadataAdmin(broker.bootstrapServers(), 3,
                () -> broker.createTopic(events, 1, Map.of(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
                        String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES))))) {
            List<TopicProblem> warnings = new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT)
                    .ensure(plan(true, TopicSpec.events(events, 12, Duration.ofDays(7), -1)));

            assertThat(warnings).as("checked like any existing topic").singleElement()
                    .satisfies(w -> assertThat(w.message()).contains("topic " + events + " has 1 partition(s), "
                            + "12 asked"));
            assertThat(admin.unknownDescriptionsLeft()).isZero();
        }
    }

    @Test
    void topicsItCreatesAreReadyWhenItReturns(Broker broker) {
        String checkpoints = Broker.uniqueTopic("checkpoints");
        try (LaggingMetadataAdmin admin = new LaggingMetadataAdmin(broker.bootstrapServers(), 3, () -> { })) {
            assertThat(new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT)
                    .ensure(plan(true, TopicSpec.checkpoints(checkpoints, 2)))).isEmpty();

            assertThat(admin.unknownDescriptionsLeft())
                    .as("it asked until the broker knew the topic, so a first produce or assign finds it").isZero();
        }
        assertThat(describe(broker, checkpoints).partitions()).hasSize(2);
    }

    @Test
    void aTopicTheBrokerNeverDescribesIsReportedAfterTheTimeout(Broker broker) {
        String events = Broker.uniqueTopic("events");
        AtomicLong now = new AtomicLong();
        LongSupplier clock = () -> now.getAndAdd(Duration.ofSeconds(10).toNanos()); // 10 s pass between looks
        try (LaggingMetadataAdmin admin = new LaggingMetadataAdmin(broker.bootstrapServers(), Integer.MAX_VALUE,
                () -> broker.createTopic(events, 1, Map.of()))) {
            assertThatThrownBy(() -> new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT, clock)
                    .ensure(plan(true, TopicSpec.events(events, 12, Duration.ofDays(7), -1))))
                    .isInstanceOf(KafkaUnreachable.class)
                    .hasMessage("topic(s) " + events + " exist but Kafka at " + broker.bootstrapServers()
                            + " did not describe them within 30 s: This server does not host this topic-partition.");
        }
    }

    @Test
    void aCheckpointTopicThatIsNotCompactedIsRefusedNamingTheSetting(Broker broker) throws Exception {
        String checkpoints = Broker.uniqueTopic("checkpoints");
        broker.createTopic(checkpoints, 1, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete"));
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
            producer.send(new ProducerRecord<>(checkpoints, "host".getBytes(), "{}".getBytes())).get();
        }

        assertThatThrownBy(() -> ensure(broker, plan(true, TopicSpec.checkpoints(checkpoints, 12))))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("topic " + checkpoints + " has cleanup.policy=delete but needs "
                        + "cleanup.policy=compact")
                .hasMessageContaining("--checkpoint-topic");
        assertThat(config(broker, checkpoints).get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                .as("the topic is left as it was").isEqualTo("delete");
        assertThat(broker.readAll(checkpoints)).as("and so is its data").hasSize(1);
    }

    @Test
    void aCompactedEventsTopicIsRefused(Broker broker) {
        String events = Broker.uniqueTopic("events");
        broker.createTopic(events, 12, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact"));

        assertThatThrownBy(() -> ensure(broker, plan(true, TopicSpec.events(events, 12, Duration.ofDays(7), -1))))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("has cleanup.policy=compact but needs cleanup.policy=delete")
                .hasMessageContaining("events would be deleted");
    }

    /**
     * Brokers since Kafka 3.7 ask min(min.insync.replicas, replicas): the topic takes writes (acks=all) while its one
     * replica is in sync. It was refused (exit 2) as a topic Kafka refuses every write to.
     */
    @Test
    void moreInsyncReplicasThanReplicasIsAWarningAndTheTopicTakesWrites(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        broker.createTopic(events, 12, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2",
                TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
                String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES)));

        List<TopicProblem> warnings = ensure(broker, plan(true, TopicSpec.events(events, 12, Duration.ofDays(7), -1)));

        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.severity()).isEqualTo(Severity.WARNING);
            assertThat(w.message()).startsWith("topic " + events + " has min.insync.replicas=2 but 1 replica(s): "
                    + "brokers since Kafka 3.7 ask all 1 in sync");
        });
        try (KafkaProducer<byte[], byte[]> producer = broker.producer()) { // acks=all
            producer.send(new ProducerRecord<>(events, new byte[] {1})).get(30, TimeUnit.SECONDS);
        }
    }

    /** The listener takes its record timestamp bounds from these instead of asking the broker again. */
    @Test
    void theSettingsItReadOfExistingTopicsAreKeptAndThoseOfTopicsItCreatedAreNot(Broker broker) {
        String existing = Broker.uniqueTopic("events");
        String created = Broker.uniqueTopic("checkpoints");
        broker.createTopic(existing, 12, Map.of(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "3600000"));
        try (Admin admin = broker.admin()) {
            TopicProvisioner provisioner = new TopicProvisioner(admin, broker.bootstrapServers(), TIMEOUT);
            provisioner.ensure(plan(true, TopicSpec.events(existing, 12, Duration.ofDays(7), -1),
                    TopicSpec.checkpoints(created, 12)));

            assertThat(provisioner.settingsRead(existing)).hasValueSatisfying(c -> assertThat(
                    c.get(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG).value()).isEqualTo("3600000"));
            assertThat(provisioner.settingsRead(created)).as("created now: not read").isEmpty();
        }
    }

    @Test
    void fewerPartitionsThanAskedIsOnlyAWarning(Broker broker) {
        String events = Broker.uniqueTopic("events");
        broker.createTopic(events, 1, Map.of(TopicConfig.MAX_DECOMPRESSED_MESSAGE_BYTES_CONFIG,
                String.valueOf(TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES)));

        List<TopicProblem> warnings = ensure(broker, plan(true, TopicSpec.events(events, 12, Duration.ofDays(7), -1)));

        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.severity()).isEqualTo(Severity.WARNING);
            assertThat(w.setting()).isEqualTo("--topic-partitions");
            assertThat(w.message()).contains("topic " + events + " has 1 partition(s), 12 asked");
        });
    }

    @Test
    void anExistingTopicThatAllowsUncleanLeaderElectionIsAWarning(Broker broker) {
        String dlq = Broker.uniqueTopic("dlq");
        broker.createTopic(dlq, 3, Map.of(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, "true",
                TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime"));

        List<TopicProblem> warnings = ensure(broker, plan(true, TopicSpec.deadLetters(dlq, 3, Duration.ofDays(30))));

        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.severity()).isEqualTo(Severity.WARNING);
            assertThat(w.setting()).isEqualTo(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG);
            assertThat(w.message()).startsWith("topic " + dlq + " has unclean.leader.election.enable=true: ")
                    .endsWith("--add-config unclean.leader.election.enable=false");
        });
    }

    @Test
    void neverCreatingAMissingTopicIsAClearError(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        String checkpoints = Broker.uniqueTopic("checkpoints");
        broker.createTopic(events, 12, Map.of());

        assertThatThrownBy(() -> ensure(broker, plan(false, TopicSpec.events(events, 12, Duration.ofDays(7), -1),
                TopicSpec.checkpoints(checkpoints, 12))))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("topic " + checkpoints + " does not exist and --create-topics is false: create it with "
                        + "12 partitions, replication factor 1, min.insync.replicas=1, cleanup.policy=compact, "
                        + "segment.ms=3600000, max.decompressed.message.bytes=2097152, "
                        + "unclean.leader.election.enable=false (docs/deployment.md), or name another with "
                        + "--checkpoint-topic");
        assertThat(exists(broker, checkpoints)).as("nothing created").isFalse();
    }

    @Test
    void aReplicationFactorAboveTheBrokersIsAClearError(Broker broker) throws Exception {
        String events = Broker.uniqueTopic("events");
        TopicPlan plan = new TopicPlan(List.of(TopicSpec.events(events, 12, Duration.ofDays(7), -1)),
                new Replication(3, null), true);

        assertThatThrownBy(() -> ensure(broker, plan)).isInstanceOf(ConfigurationError.class)
                .hasMessage("--replication-factor 3 is more than the 1 broker(s) of the cluster at "
                        + broker.bootstrapServers());
        assertThat(exists(broker, events)).isFalse();
    }

    @Test
    void impossibleOptionsAreRefusedBeforeContactingKafka() {
        assertThatThrownBy(() -> new Replication(1, 2)).isInstanceOf(ConfigurationError.class)
                .hasMessage("--min-insync-replicas 2 is more than --replication-factor 1: Kafka would ask all 1 in "
                        + "sync for each write (before 3.7, refuse every write); give at most 1");
        assertThatThrownBy(() -> new Replication(0, null)).isInstanceOf(ConfigurationError.class)
                .hasMessage("--replication-factor must be at least 1, not 0");
        assertThatThrownBy(() -> TopicSpec.checkpoints("c", 0)).isInstanceOf(ConfigurationError.class)
                .hasMessage("--checkpoint-partitions must be at least 1, not 0");
        assertThat(new Replication(null, null).factorFor(5)).isEqualTo((short) 3);
        assertThat(new Replication(null, null).minInsyncFor((short) 3)).isEqualTo(2);
        assertThat(new Replication(null, null).factorFor(2)).isEqualTo((short) 2);
    }

    @Test
    void anUnreachableClusterNamesTheServers() {
        Properties client = new Properties();
        client.put("bootstrap.servers", "127.0.0.1:1");
        Duration timeout = Duration.ofSeconds(3);
        try (Admin admin = TopicProvisioner.admin(client, timeout)) {
            assertThatThrownBy(() -> new TopicProvisioner(admin, "127.0.0.1:1", timeout)
                    .ensure(plan(true, TopicSpec.checkpoints("c", 1))))
                    .isInstanceOf(KafkaUnreachable.class)
                    .hasMessage("cannot reach Kafka at 127.0.0.1:1 (no answer within 3 s)");
        }
    }
}
