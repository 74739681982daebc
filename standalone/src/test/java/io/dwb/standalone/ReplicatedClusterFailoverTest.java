package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.forwarder.ForwarderCommand;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.KafkaCluster;
import io.dwb.schemas.testing.TestEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a three-broker cluster (replication 3, min ISR 2), each stage a separate process: a listener on
 * the real engine and a forwarder writing to a datagram socket in Wazuh's place. While containers come and go, a
 * broker is SIGKILLed (the leader of the listener's partition), then the active controller, then all three brokers
 * are restarted in turn. At the end the topic holds every engine event of those containers exactly once (by
 * event id, read_committed), and the receiver got an alert for each, with no duplicate: the forwarder did not crash,
 * so a redelivery after a lost commit or a rebalance is within its duplicate window (docs/forwarder.md). And a
 * partition short of in-sync replicas, which takes no writes while its leader answers, makes no host silent.
 * One cluster for both (each waits until every replica is in sync first).
 */
class ReplicatedClusterFailoverTest {
    private static final Duration DELIVERY = Duration.ofMinutes(3);
    private static KafkaCluster cluster;

    @TempDir
    Path work;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aBrokerKillAControllerKillAndARollingRestartLoseAndDuplicateNothing() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String topic = "events-" + tag;
        String prefix = "dwb-test-cluster-" + tag + "-";
        cluster.awaitInSync();
        try (TestEngine engine = new TestEngine();
             DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("queue"));
             JavaProcess listener = startListener(cluster, topic, tag);
             JavaProcess forwarder = startForwarder(cluster, topic, tag, wazuh.path())) {
            // A first start captures from when it subscribed: make no event before.
            await().atMost(DELIVERY).until(() -> {
                assertAlive(listener, forwarder);
                return listener.output().contains("connected to the Docker engine");
            });
            ContainerChurn churn = new ContainerChurn(engine, prefix);
            churn.once();
            await().atMost(DELIVERY).until(() -> {
                assertAlive(listener, forwarder);
                return alerts(wazuh, prefix).size() >= 4;
            });

            churn.start();
            int victim = leaderOfListenersPartition(cluster, topic);
            churn.awaitMore(3);
            cluster.kill(victim);
            churn.awaitMore(5);
            cluster.start(victim);

            int controller = cluster.killActiveController();
            churn.awaitMore(5);
            cluster.start(controller);

            cluster.rollingRestart();
            churn.awaitMore(3);
            churn.stop();
            assertAlive(listener, forwarder);

            assertThat(churn.made()).as("containers made across the failures").isGreaterThanOrEqualTo(17);

            // The engine keeps only its last 256 events, and the machine is shared: what the churn made is the
            // reference, each container's create, start, die and destroy.
            Map<String, List<String>> expectedActions = new TreeMap<>();
            for (int i = 1; i <= churn.made(); i++) {
                expectedActions.put(prefix + i, List.of("create", "destroy", "die", "start"));
            }
            await().atMost(DELIVERY).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertAlive(listener, forwarder);
                List<OwnEvent> onTopic = eventsOnTopic(cluster.readAll(topic), prefix);
                assertThat(actionsByName(onTopic)).as("actions of each churned container on the topic, "
                        + "read_committed").isEqualTo(expectedActions);
                List<String> topicIds = onTopic.stream().map(OwnEvent::id).toList();
                assertThat(topicIds).as("event ids on the topic").doesNotHaveDuplicates();
                String hostId = onTopic.get(0).hostId();
                assertThat(alerts(wazuh, prefix).stream().map(a -> EventId.of(hostId, a)).toList())
                        .as("event ids of the alerts the receiver got, duplicates kept")
                        .containsExactlyInAnyOrderElementsOf(topicIds);
            });
        }
    }

    /**
     * The events topic needs all three replicas in sync ({@code min.insync.replicas=3}: a topic that asks two, on a
     * cluster with a broker already down, is as near to taking no writes): its leader killed is fenced, and the new
     * leader answers fetches while it refuses every write, so the listener's heartbeats stop reaching the topic. The
     * forwarder took that for a live, quiet partition and reported the host silent after three heartbeat intervals,
     * then back once the broker returned: on a fleet, a silent-host and a host-back alert for every host of those
     * partitions, for one Kafka incident. Now its hosts' silences stand still meanwhile, a WARN line says why, and
     * Wazuh gets one partition-unwritable alert, then one partition-writable. The leader killed is the hard case of the
     * open-transaction watch: Kafka's admin client may keep asking the fenced one for the partition's ends, never
     * answered, and the watch, which read the in-sync replicas only with the ends, never found the partition short of
     * them (a CI run, 3 minutes after the kill).
     */
    @Test
    void aPartitionShortOfInSyncReplicasMakesNoHostSilent() throws Exception {
        cluster.awaitInSync();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String topic = "unwritable-" + tag;
        // Led by a node that does not lead the metadata quorum, the others following
        int controller = cluster.activeController();
        int victim = cluster.nodeIds().stream().filter(id -> id != controller).findFirst().orElseThrow();
        List<Integer> replicas = new ArrayList<>(List.of(victim));
        cluster.nodeIds().stream().filter(id -> id != victim).forEach(replicas::add);
        createTopic(topic, replicas, 3);
        try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("queue"));
             JavaProcess listener = startHeartbeating(topic, tag, "unwritable-host-");
             JavaProcess forwarder = startForwarder(cluster, topic, tag, wazuh.path())) {
            awaitWatched(listener, forwarder, topic, tag);

            assertThat(leaderOfListenersPartition(cluster, topic)).as("the partition's leader").isEqualTo(victim);
            cluster.kill(victim);
            try {
                await().atMost(DELIVERY).untilAsserted(() -> {
                    assertAlive(listener, forwarder);
                    assertThat(forwarder.output()).as("the forwarder's output").contains("take no writes");
                });
                // Silent after 30 s of its partition's time: well past that without a write, the host is not
                // silent. (The brokers shrink the ISR once the killed one is fenced, about 9 s, while its partitions
                // answer nothing: intervals of a few seconds would make the host silent before that.)
                await().during(Duration.ofSeconds(35)).atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(hostStates(wazuh)).as("host-state alerts while the partition takes no writes")
                                .isEmpty());
                // The one alert of the outage, for a site that watches Wazuh only, once it lasted 30 s
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bridgeAlerts(wazuh))
                        .as("the bridge's alerts")
                        .containsExactly("partition-unwritable " + topic + "-0 in sync 2 of 3"));
            } finally {
                cluster.start(victim); // whatever the outcome: the class's other tests share the cluster
            }
            awaitWritesAgain(listener, forwarder, topic, tag);
            // Sent by the delivery loop's next round after the watch's reading logged it: a moment later
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bridgeAlerts(wazuh))
                    .containsExactly("partition-unwritable " + topic + "-0 in sync 2 of 3",
                            "partition-writable " + topic + "-0 in sync 3 of 3"));
            assertThat(wazuh.alerts().stream().map(a -> a.path("docker_bridge"))
                    .filter(b -> b.path("event").asText().equals("partition-writable"))).singleElement()
                    .satisfies(b -> assertThat(b.path("unwritableSeconds").asLong())
                            .as("how long it took no writes: Wazuh was told after 30 s of it")
                            .isGreaterThanOrEqualTo(30));
            assertThat(hostStates(wazuh)).as("host-state alerts once it takes writes again").isEmpty();
        }
    }

    /**
     * Two of the three nodes, voters all, killed at once: the metadata quorum is lost, so nothing records the in-sync
     * replicas shrinking, and the survivor, which leads the listener's partition, keeps the two dead ones among them.
     * It answers fetches and refuses nothing, but every write times out waiting for them (acks=all). Read as they
     * are, the in-sync replicas are three, more than the two min.insync.replicas asks: the forwarder took the partition
     * for live and quiet and reported the host silent (seen failing so). Now an in-sync replica that does not answer
     * counts: the partition takes no writes, its host's silence stands still, and Wazuh is told so.
     */
    @Test
    void aLostQuorumMakesNoHostSilent() throws Exception {
        cluster.awaitInSync();
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String topic = "quorum-" + tag;
        List<Integer> replicas = cluster.nodeIds();
        int survivor = replicas.get(0); // the first replica leads the new partition
        List<Integer> killed = replicas.subList(1, replicas.size());
        createTopic(topic, replicas, 2);
        try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("queue"));
             JavaProcess listener = startHeartbeating(topic, tag, "quorum-host-");
             JavaProcess forwarder = startForwarder(cluster, topic, tag, wazuh.path())) {
            awaitWatched(listener, forwarder, topic, tag);

            assertThat(leaderOfListenersPartition(cluster, topic)).as("the partition's leader").isEqualTo(survivor);
            cluster.killAtOnce(killed);
            try {
                // Silent after 30 s of its partition's time, which the leader's answers keep moving
                await().during(Duration.ofSeconds(40)).atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(hostStates(wazuh)).as("host-state alerts while the quorum is lost").isEmpty());
                assertThat(forwarder.output()).as("the forwarder's output").contains("take no writes");
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bridgeAlerts(wazuh))
                        .as("the bridge's alerts")
                        .containsExactly("partition-unwritable " + topic + "-0 in sync 3 of 2, 2 not answering"));
            } finally {
                cluster.start(killed); // whatever the outcome: the class's other tests share the cluster
            }
            awaitWritesAgain(listener, forwarder, topic, tag);
            // In sync again: two or three, as far as the restarted ones caught up (a CI run's read two)
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(bridgeAlerts(wazuh))
                    .satisfiesExactly(
                            unwritable -> assertThat(unwritable).isEqualTo("partition-unwritable " + topic
                                    + "-0 in sync 3 of 2, 2 not answering"),
                            writable -> assertThat(writable).matches("partition-writable " + topic
                                    + "-0 in sync [23] of 2")));
            assertThat(hostStates(wazuh)).as("host-state alerts once it takes writes again").isEmpty();
        }
    }

    /** A topic of one partition on {@code replicas}, the first leading it, that needs {@code minInSync} in sync. */
    private static void createTopic(String topic, List<Integer> replicas, int minInSync) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, replicas))
                    .configs(Map.of("min.insync.replicas", String.valueOf(minInSync))))).all().get();
        }
    }

    /** A listener of host {@code hostPrefix + tag} heartbeating every 10 s: silent after 30 s of its partition's time. */
    private static JavaProcess startHeartbeating(String topic, String tag, String hostPrefix) throws IOException {
        return JavaProcess.start(io.dwb.listener.Main.class, engineEnv(), List.of(
                "--bootstrap-servers", cluster.bootstrapServers(), "--topic", topic,
                "--checkpoint-topic", "checkpoints-" + tag, "--host-name", hostPrefix + tag,
                "--heartbeat-interval", "10s", "--reconnect-max-wait", "2s"));
    }

    /** Waits until the forwarder delivered the host's first heartbeats: the host is watched. */
    private static void awaitWatched(JavaProcess listener, JavaProcess forwarder, String topic, String tag) {
        await().atMost(DELIVERY).until(() -> {
            assertAlive(listener, forwarder);
            return delivered(topic, tag) >= 2;
        });
    }

    /** Waits until the forwarder says the partition takes writes again and delivers the host's next heartbeats. */
    private static void awaitWritesAgain(JavaProcess listener, JavaProcess forwarder, String topic, String tag)
            throws Exception {
        long before = delivered(topic, tag);
        await().atMost(DELIVERY).until(() -> {
            assertAlive(listener, forwarder);
            return forwarder.output().contains("take writes again") && delivered(topic, tag) >= before + 2;
        });
    }

    /** The bridge's alerts about hosts (silent-host, host-back): not the engine's events (the brokers' kill, start). */
    private static List<String> hostStates(DatagramReceiver wazuh) {
        return bridgeAlerts(wazuh).stream().filter(a -> a.startsWith("silent-host") || a.startsWith("host-back"))
                .toList();
    }

    /** The bridge's own alerts, each as its event, and for a partition's, the partition and its replicas. */
    private static List<String> bridgeAlerts(DatagramReceiver wazuh) {
        return wazuh.alerts().stream().filter(a -> a.has("docker_bridge")).map(a -> a.get("docker_bridge"))
                .map(b -> b.path("event").asText() + (b.has("inSyncReplicas") ? " " + b.path("topic").asText() + "-"
                        + b.path("partition").asInt() + " in sync " + b.path("inSyncReplicas").asInt() + " of "
                        + b.path("minInSyncReplicas").asInt() : "")
                        + (b.path("inSyncReplicasNotAnswering").asInt() > 0
                        ? ", " + b.path("inSyncReplicasNotAnswering").asInt() + " not answering" : "")).toList();
    }

    /** The offsets the forwarder's group committed on the topic's partition: records delivered. */
    private static long delivered(String topic, String tag) throws Exception {
        try (Admin admin = cluster.admin()) {
            OffsetAndMetadata committed = admin.listConsumerGroupOffsets("g-" + tag).partitionsToOffsetAndMetadata()
                    .get().get(new TopicPartition(topic, 0));
            return committed == null ? 0 : committed.offset();
        }
    }

    /** An event record of a churned container on the topic. */
    private record OwnEvent(String id, String hostId, String name, String action) {}

    /**
     * The listener with the default {@code --kafka-timeout} (30 s): on this shared 2-core machine, running three
     * brokers, a failover (the killed broker fenced after the controller's session timeout, leaders and the
     * transaction coordinator moved) can take longer, and the commit then times out. The listener keeps what it read
     * and its engine subscription, and publishes them with its next producer, so that costs no event although the
     * churn outruns the engine's 256-event replay (listener/KafkaOutageBeyondReplayTest).
     */
    private static JavaProcess startListener(KafkaCluster cluster, String topic, String tag) throws IOException {
        return JavaProcess.start(io.dwb.listener.Main.class, engineEnv(), List.of(
                "--bootstrap-servers", cluster.bootstrapServers(), "--topic", topic,
                "--checkpoint-topic", "checkpoints-" + tag, "--host-name", "cluster-host-" + tag,
                "--transaction-interval", "100ms", "--continuity-wait", "3s", "--reconnect-max-wait", "2s"));
    }

    private static JavaProcess startForwarder(KafkaCluster cluster, String topic, String tag, Path queue)
            throws IOException {
        return JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                "--bootstrap-servers", cluster.bootstrapServers(), "--topic", topic, "--group", "g-" + tag,
                "--dlq-topic", topic + "-dlq", "--wazuh-queue", queue.toString(), "--retry-max-delay", "1s",
                "--max-live-age", "0"));
    }

    private static Map<String, String> engineEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));
        return env;
    }

    private static void assertAlive(JavaProcess listener, JavaProcess forwarder) {
        assertThat(listener.isAlive()).as("listener running; output:%n%s", listener.output()).isTrue();
        assertThat(forwarder.isAlive()).as("forwarder running; output:%n%s", forwarder.output()).isTrue();
    }

    /** The broker leading the partition the listener's host writes to: the kill that hurts it most. */
    private static int leaderOfListenersPartition(KafkaCluster cluster, String topic) throws Exception {
        int partition = cluster.readAll(topic).get(0).partition();
        try (Admin admin = cluster.admin()) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .get(partition).leader().id();
        }
    }

    /** The topic's event records about containers named {@code prefix}..., in topic order. */
    private static List<OwnEvent> eventsOnTopic(List<ConsumerRecord<byte[], byte[]>> records, String prefix)
            throws IOException {
        List<OwnEvent> own = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (RecordKind.fromHeader(HeaderNames.read(r.headers(), HeaderNames.KIND)).orElse(null)
                    != RecordKind.EVENT) {
                continue;
            }
            JsonNode event = ContractJson.tree(r.value());
            if (nameOf(event).startsWith(prefix)) {
                own.add(new OwnEvent(HeaderNames.read(r.headers(), HeaderNames.EVENT_ID),
                        HeaderNames.read(r.headers(), HeaderNames.HOST_ID), nameOf(event),
                        event.path("Action").asText()));
            }
        }
        return own;
    }

    private static Map<String, List<String>> actionsByName(List<OwnEvent> events) {
        Map<String, List<String>> byName = new TreeMap<>();
        for (OwnEvent e : events) {
            byName.computeIfAbsent(e.name(), n -> new ArrayList<>()).add(e.action());
        }
        byName.values().forEach(java.util.Collections::sort);
        return byName;
    }

    /** The {@code docker} object of every alert about a churned container, duplicates kept. */
    private static List<JsonNode> alerts(DatagramReceiver wazuh, String prefix) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String text : wazuh.texts()) {
            JsonNode alert = ContractJson.tree(text.substring(text.indexOf('{')).getBytes(StandardCharsets.UTF_8));
            if (nameOf(alert.path("docker")).startsWith(prefix)) {
                out.add(alert.path("docker"));
            }
        }
        return out;
    }

    private static String nameOf(JsonNode event) {
        return event.path("Actor").path("Attributes").path("name").asText("");
    }

    /** Containers created, run to exit and removed, one after another on a thread of its own, until stopped. */
    private static final class ContainerChurn {
        private final TestEngine engine;
        private final String prefix;
        private final AtomicInteger made = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        private Thread thread;

        ContainerChurn(TestEngine engine, String prefix) {
            this.engine = engine;
            this.prefix = prefix;
        }

        /** One container: create, start, die, destroy. */
        void once() {
            String name = prefix + made.incrementAndGet();
            var client = engine.client();
            String id = client.createContainerCmd(TestEngine.BUSYBOX).withName(name).withCmd("true")
                    .withLabels(Map.of("dwb.test", "true"))
                    .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withNetworkMode("none"))
                    .exec().getId();
            client.startContainerCmd(id).exec();
            client.waitContainerCmd(id).start().awaitStatusCode();
            client.removeContainerCmd(id).exec();
        }

        void start() {
            thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        once();
                    } catch (RuntimeException e) {
                        failures.add(e);
                        return;
                    }
                }
            }, "container-churn");
            thread.setDaemon(true);
            thread.start();
        }

        /** Waits until {@code n} more containers have been made than now. */
        void awaitMore(int n) {
            int target = made.get() + n;
            await().atMost(Duration.ofMinutes(2)).until(() -> {
                assertThat(failures).isEmpty();
                return made.get() >= target;
            });
        }

        int made() {
            return made.get();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(60_000);
            assertThat(failures).isEmpty();
        }
    }
}
