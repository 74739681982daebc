package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.HostPartition;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder joining the group takes partitions from the one running, and only those. With Kafka's default
 * assignors the group rebalanced eagerly: the running forwarder gave up all its partitions, forgot every host it
 * watched, and got half of them back; a host of a partition it kept that had stopped just before was never reported
 * silent, and a host already reported silent got no {@code host-back} when it came back.
 */
@ExtendWith(SharedKafka.class)
class RebalanceKeepsWatchTest {
    private static final int PARTITIONS = 2;
    /** Reported after 3 s: before the join. */
    private static final int RETURNING_INTERVAL_SECONDS = 1;
    /** Reported after 12 s: longer than the second forwarder takes to start and make the group rebalance. */
    private static final int STOPPING_INTERVAL_SECONDS = 4;

    @TempDir
    Path dir;

    @Test
    void aForwarderJoiningLeavesTheFirstTheHostsOfThePartitionsItKeeps(SharedKafka.Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "join", PARTITIONS);
        String group = "g-" + topic;
        List<String> stopping = hostsPerPartition(0); // each stops just before the second forwarder starts
        List<String> returning = hostsPerPartition(1); // each reported silent before the join, back after it
        Map<String, Integer> speaking = new ConcurrentHashMap<>();
        stopping.forEach(h -> speaking.put(h, STOPPING_INTERVAL_SECONDS));
        returning.forEach(h -> speaking.put(h, RETURNING_INTERVAL_SECONDS));
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--topic", topic, "--group",
                group, "--dlq-topic", topic + "-dlq", "--wazuh-queue", dir.resolve("queue").toString());
        ScheduledExecutorService listeners = Executors.newSingleThreadScheduledExecutor();
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             KafkaProducer<byte[], byte[]> producer = broker.producer();
             JavaProcess a = JavaProcess.start(ForwarderCommand.class, Map.of(), with(args, "a"))) {
            // Every host speaks each second, so that its last heartbeat is at most a second before it stops.
            listeners.scheduleAtFixedRate(() -> speaking.forEach((host, interval) -> {
                long now = System.currentTimeMillis() * 1_000_000L;
                byte[] value = ContractJson.write(new Heartbeat(ContractJson.rfc3339(now), now, interval, true,
                        null));
                producer.send(TestRecords.bridge(topic, host.toLowerCase(Locale.ROOT), host, "heartbeat", value,
                        now / 1_000_000L));
            }), 0, 1, TimeUnit.SECONDS);
            awaitAssigned(a);
            await().atMost(Duration.ofSeconds(30)).until(() -> heardTwice(broker, group));

            returning.forEach(speaking::remove);
            await().atMost(Duration.ofSeconds(30)).until(() -> alerts(receiver).containsAll(
                    returning.stream().map(h -> "silent-host " + h).toList()));

            stopping.forEach(speaking::remove);
            try (JavaProcess b = JavaProcess.start(ForwarderCommand.class, Map.of(), with(args, "b"))) {
                awaitAssigned(b); // the assignment is final: b is given partitions only once a gave them up
                returning.forEach(h -> speaking.put(h, RETURNING_INTERVAL_SECONDS));
                List<String> expected = new ArrayList<>();
                for (int p : partitionsOf(broker, group, "a")) {
                    expected.add("silent-host " + stopping.get(p));
                    expected.add("host-back " + returning.get(p));
                }
                assertThat(expected).as("a keeps a partition").isNotEmpty();
                await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> assertThat(alerts(receiver))
                        .as("alerts of the hosts of the partition the first forwarder kept; its log:%n%s",
                                a.outputTail(3000))
                        .containsAll(expected));
                assertThat(b.terminate(Duration.ofSeconds(60))).as(b.output()).isZero();
            }
            assertThat(a.terminate(Duration.ofSeconds(60))).as(a.output()).isZero();
        } finally {
            listeners.shutdownNow();
        }
    }

    /** For each partition, in order, the {@code nth} host id {@code HOST-<i>} whose records go there. */
    private static List<String> hostsPerPartition(int nth) {
        List<String> hosts = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            int found = -1;
            for (int i = 0; found < nth; i++) {
                String id = "HOST-" + i;
                if (HostPartition.of(id.getBytes(StandardCharsets.UTF_8), PARTITIONS) == p && ++found == nth) {
                    hosts.add(id);
                }
            }
        }
        return hosts;
    }

    /** Whether the group committed two heartbeats of each host of each partition. */
    private static boolean heardTwice(SharedKafka.Broker broker, String group) {
        Map<TopicPartition, OffsetAndMetadata> committed = TestRecords.committed(broker, group);
        return committed.size() == PARTITIONS
                && committed.values().stream().allMatch(o -> o != null && o.offset() >= 4);
    }

    /** The bridge's alerts so far, as {@code <event> <host id>}. */
    private static List<String> alerts(DatagramReceiver receiver) {
        return receiver.datagrams().stream().map(TestRecords::alert).map(RebalanceKeepsWatchTest::describe).toList();
    }

    private static String describe(ObjectNode alert) {
        return alert.path("docker_bridge").path("event").asText() + " " + alert.path("docker_host").path("id")
                .asText();
    }

    /** The partitions the group's member of this instance id holds. */
    private static List<Integer> partitionsOf(SharedKafka.Broker broker, String group, String instanceId)
            throws Exception {
        try (Admin admin = broker.admin()) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> m.groupInstanceId().filter(instanceId::equals).isPresent())
                    .map(MemberDescription::assignment)
                    .flatMap(assignment -> assignment.topicPartitions().stream())
                    .map(TopicPartition::partition).sorted().toList();
        }
    }

    /** Forwarders of one group on one host feeding one queue each need their own id (static membership). */
    private static List<String> with(List<String> args, String instanceId) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--instance-id", instanceId));
        return all;
    }

    private static void awaitAssigned(JavaProcess forwarder) {
        await().atMost(Duration.ofSeconds(90)).until(() -> forwarder.output().contains("partitions assigned")
                || !forwarder.isAlive());
        assertThat(forwarder.isAlive()).as("forwarder output:%n%s", forwarder.output()).isTrue();
    }
}
