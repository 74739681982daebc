package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/**
 * The replicas of the topics a process creates while a broker of the cluster is down (a rolling restart, a crash),
 * on a scripted three-broker cluster: as many as when all are up. Counted from the brokers up alone, a topic first
 * created while one of three restarted got 2 replicas and min.insync.replicas 2, for good: each later restart of a
 * broker holding one refused its writes (NOT_ENOUGH_REPLICAS), the listener's commits timed out and a dead letter
 * paused a forwarder's delivery. What a real KRaft cluster does in that state (DescribeCluster's fenced brokers,
 * replicas placed on a broker down) was checked against three Kafka 4.2.2 nodes, one SIGKILLed.
 */
class TopicReplicationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String SERVERS = "kafka-1:9092";

    private static TopicPlan plan(Replication replication, boolean create) {
        return new TopicPlan(List.of(TopicSpec.events("events", 12, Duration.ofDays(7), -1),
                TopicSpec.checkpoints("checkpoints", 12), TopicSpec.deadLetters("dlq", 3, Duration.ofDays(30))),
                replication, create);
    }

    private static List<TopicProblem> ensure(ScriptedCluster cluster, TopicPlan plan, LongSupplier clock) {
        try (Admin admin = cluster.admin()) {
            return new TopicProvisioner(admin, SERVERS, TIMEOUT, clock).ensure(plan);
        }
    }

    private static void assertReplicas(NewTopic topic, int factor, int minInsync) {
        assertThat(topic.replicationFactor()).as("replicas of %s", topic.name()).isEqualTo((short) factor);
        assertThat(topic.configs()).as("settings of %s", topic.name())
                .containsEntry(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minInsync));
    }

    @Test
    void topicsCreatedWhileOneBrokerOfThreeIsDownGetThreeReplicasAndTwoInSync() {
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 3), List.of(2), true, 0);

        assertThat(ensure(cluster, plan(new Replication(null, null), true), System::nanoTime)).isEmpty();

        assertThat(cluster.topics()).containsOnlyKeys("events", "checkpoints", "dlq");
        assertThat(cluster.asked()).hasSize(3).allSatisfy(t -> assertReplicas(t, 3, 2));
    }

    @Test
    void aReplicationFactorGivenIsCreatedWhileABrokerIsDown() {
        // Before: "--replication-factor 3 is more than the 2 broker(s)", exit 2, which systemd does not restart.
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 3), List.of(2), true, 0);

        ensure(cluster, plan(new Replication(3, null), true), System::nanoTime);

        assertThat(cluster.asked()).hasSize(3).allSatisfy(t -> assertReplicas(t, 3, 2));
    }

    @Test
    void aReplicationFactorAboveAllTheBrokersIsStillAClearError() {
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 3), List.of(2), true, 0);

        assertThatThrownBy(() -> ensure(cluster, plan(new Replication(4, null), true), System::nanoTime))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage("--replication-factor 4 is more than the 3 broker(s) of the cluster at " + SERVERS);
        assertThat(cluster.asked()).isEmpty();
    }

    @Test
    void aTopicKafkaCannotPlaceForNowIsAskedAgainNeverWithFewerReplicas() {
        // A broker in controlled shutdown is no place for a new replica: for those seconds Kafka refuses 3 replicas.
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 2, 3), List.of(), true, 3);

        assertThat(ensure(cluster, plan(new Replication(null, null), true), System::nanoTime)).isEmpty();

        assertThat(cluster.topics()).containsOnlyKeys("events", "checkpoints", "dlq");
        assertThat(cluster.asked()).as("the three refused, asked again alone").hasSize(6)
                .allSatisfy(t -> assertReplicas(t, 3, 2));
    }

    @Test
    void aTopicKafkaCannotPlaceWithinTheTimeoutIsNotCreatedAndSaysWhy() {
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 2, 3), List.of(), true, Integer.MAX_VALUE);
        AtomicLong now = new AtomicLong();
        LongSupplier clock = () -> now.getAndAdd(Duration.ofSeconds(10).toNanos()); // 10 s pass between looks

        assertThatThrownBy(() -> ensure(cluster, plan(new Replication(null, null), true), clock))
                .isInstanceOf(KafkaUnreachable.class)
                .hasMessage("Kafka at " + SERVERS + " could not place the 3 replicas of topic events within 30 s "
                        + "(Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot "
                        + "be reached because only 2 broker(s) are registered.): it is not created with fewer; "
                        + "asked again at the next start");
        assertThat(cluster.topics()).isEmpty();
        assertThat(cluster.asked()).allSatisfy(t -> assertReplicas(t, 3, 2));
    }

    @Test
    void brokersThatCannotListThoseDownAreCountedAsTheyAnswer() {
        // DescribeCluster before version 2 (Kafka 3.x, some Kafka-compatible services): those up alone.
        ScriptedCluster all = new ScriptedCluster(List.of(1, 2, 3), List.of(), false, 0);
        ensure(all, plan(new Replication(null, null), true), System::nanoTime);
        assertThat(all.asked()).hasSize(3).allSatisfy(t -> assertReplicas(t, 3, 2));

        ScriptedCluster single = new ScriptedCluster(List.of(1), List.of(), false, 0);
        ensure(single, plan(new Replication(null, null), true), System::nanoTime);
        assertThat(single.asked()).hasSize(3).allSatisfy(t -> assertReplicas(t, 1, 1));
    }

    @Test
    void whatToCreateByHandIsTheWholeClustersWhileABrokerIsDown() {
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 3), List.of(2), true, 0);

        assertThatThrownBy(() -> ensure(cluster, plan(new Replication(null, null), false).only(TopicRole.DEAD_LETTERS),
                System::nanoTime))
                .isInstanceOf(ConfigurationError.class)
                .hasMessageStartingWith("topic dlq does not exist and --create-topics is false: create it with 3 "
                        + "partitions, replication factor 3, min.insync.replicas=2, ");
        try (Admin admin = cluster.admin()) {
            assertThat(new TopicProvisioner(admin, SERVERS, TIMEOUT).inspect(plan(new Replication(null, null), true)))
                    .as("--check: nothing to refuse").isEmpty();
        }
    }

    @Test
    void anExistingTopicWithAllItsReplicasIsNotWarnedOfWhileABrokerIsDown() {
        ScriptedCluster cluster = new ScriptedCluster(List.of(1, 3), List.of(2), true, 0);
        TopicPlan plan = plan(new Replication(null, null), true);
        ensure(cluster, plan, System::nanoTime);

        assertThat(ensure(cluster, plan, System::nanoTime)).as("the next start, the broker still down").isEmpty();
    }
}
