package io.dwb.schemas.testing;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * A real three-node KRaft cluster for tests: each container is a combined broker and controller (a quorum of three
 * voters), on a Docker network of its own. Topics get replication factor 3 and {@code min.insync.replicas} 2 by
 * default, and so do the transaction state and offsets topics, as a production cluster that survives one broker.
 *
 * <p>Each node has a listener advertised to the host on a fixed loopback port (so a node restarted after
 * {@code docker kill} comes back at the same address its clients know) and an inter-broker listener reachable
 * inside the network under its alias {@code kafka-N}: transactions need the brokers to reach each other.
 * The image is {@code -Ddwb.kafka.image}, as for {@link SharedKafka}. Close it at the end (it removes the
 * containers and the network).
 */
public final class KafkaCluster implements AutoCloseable {
    public static final int NODES = 3;
    private static final int HOST_PORT = 9092;
    private static final String CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk";
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);

    private final Network network;
    private final Map<Integer, GenericContainer<?>> nodes;
    private final Map<Integer, Integer> hostPorts;

    private KafkaCluster(Network network, Map<Integer, GenericContainer<?>> nodes, Map<Integer, Integer> hostPorts) {
        this.network = network;
        this.nodes = nodes;
        this.hostPorts = hostPorts;
    }

    /** Starts three nodes at once (a voter waits for the quorum) and waits until all three are brokers. */
    public static KafkaCluster start() {
        String image = KafkaImage.name();
        Network network = Network.newNetwork();
        Map<Integer, Integer> hostPorts = new LinkedHashMap<>();
        Map<Integer, GenericContainer<?>> nodes = new LinkedHashMap<>();
        String voters = java.util.stream.IntStream.rangeClosed(1, NODES)
                .mapToObj(id -> id + "@" + alias(id) + ":9093").collect(Collectors.joining(","));
        List<Integer> ports = FreePorts.distinct(NODES);
        for (int id = 1; id <= NODES; id++) {
            int hostPort = ports.get(id - 1);
            hostPorts.put(id, hostPort);
            nodes.put(id, node(image, network, id, hostPort, voters));
        }
        KafkaCluster cluster = new KafkaCluster(network, nodes, hostPorts);
        try {
            Startables.deepStart(nodes.values()).join();
            cluster.awaitBrokers(NODES);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    @SuppressWarnings("resource") // closed by close()
    private static GenericContainer<?> node(String image, Network network, int id, int hostPort, String voters) {
        return new GenericContainer<>(DockerImageName.parse(image))
                .withNetwork(network)
                .withNetworkAliases(alias(id))
                .withEnv("CLUSTER_ID", CLUSTER_ID)
                .withEnv("KAFKA_NODE_ID", Integer.toString(id))
                .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
                .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", voters)
                .withEnv("KAFKA_LISTENERS", "HOST://0.0.0.0:" + HOST_PORT + ",BROKER://0.0.0.0:9094,"
                        + "CONTROLLER://0.0.0.0:9093")
                .withEnv("KAFKA_ADVERTISED_LISTENERS", "HOST://localhost:" + hostPort + ",BROKER://" + alias(id)
                        + ":9094")
                .withEnv("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "HOST:PLAINTEXT,BROKER:PLAINTEXT,"
                        + "CONTROLLER:PLAINTEXT")
                .withEnv("KAFKA_INTER_BROKER_LISTENER_NAME", "BROKER")
                .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                .withEnv("KAFKA_MIN_INSYNC_REPLICAS", "2")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3")
                // Fewer partitions than the defaults (50): the cluster starts and fails over faster.
                .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "6")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "3")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
                .withEnv("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false")
                // Three JVMs on a small shared machine.
                .withEnv("KAFKA_HEAP_OPTS", "-Xmx384m -Xms128m")
                .withEnv("KAFKA_JVM_PERFORMANCE_OPTS", TestJvmFlags.kafkaPerformanceOpts())
                .withCreateContainerCmdModifier(cmd -> {
                    ExposedPort port = ExposedPort.tcp(HOST_PORT);
                    cmd.withExposedPorts(port);
                    // A fixed binding, on loopback only: docker start after docker kill keeps it.
                    cmd.getHostConfig().withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1",
                            hostPort), port));
                })
                .waitingFor(Wait.forLogMessage(".*Kafka Server started.*", 1).withStartupTimeout(NODE_TIMEOUT));
    }

    private static String alias(int id) {
        return "kafka-" + id;
    }

    public String bootstrapServers() {
        return hostPorts.values().stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> nodeIds() {
        return List.copyOf(nodes.keySet());
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    /** SIGKILL of node {@code id}'s container: no controlled shutdown, nothing flushed. */
    public void kill(int id) {
        docker().killContainerCmd(containerId(id)).withSignal("KILL").exec();
        awaitBrokersWithout(id);
    }

    /**
     * SIGKILL of nodes {@code ids} at once, waiting for nothing: with a majority of the voters among them the metadata
     * quorum is lost, and the survivors' metadata keeps them as they were (registered brokers, leaders, in-sync
     * replicas), since nobody can record a change.
     */
    public void killAtOnce(List<Integer> ids) {
        ids.forEach(id -> docker().killContainerCmd(containerId(id)).withSignal("KILL").exec());
    }

    /** Starts node {@code id} again on its own data and waits until every partition has all its replicas in sync. */
    public void start(int id) {
        start(List.of(id));
    }

    /** Starts nodes {@code ids} again together (a lost quorum needs its majority back), as {@link #start(int)}. */
    public void start(List<Integer> ids) {
        ids.forEach(id -> docker().startContainerCmd(containerId(id)).exec());
        awaitBrokers(NODES);
        awaitInSync();
    }

    /** The node leading the KRaft metadata quorum now. */
    public int activeController() {
        try (Admin admin = admin()) {
            return admin.describeMetadataQuorum().quorumInfo().get().leaderId();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** SIGKILLs the active controller; returns its id, once another node leads the quorum. */
    public int killActiveController() {
        int leader = activeController();
        kill(leader);
        await().atMost(NODE_TIMEOUT).ignoreExceptions().until(() -> activeController() != leader);
        return leader;
    }

    /**
     * Restarts each node in turn as an operator does: SIGTERM (controlled shutdown, leadership moves away), start,
     * and wait until every replica is back in sync before the next one.
     */
    public void rollingRestart() {
        for (int id : nodeIds()) {
            docker().stopContainerCmd(containerId(id)).withTimeout(60).exec();
            awaitBrokersWithout(id);
            start(id);
        }
    }

    /** Waits until every partition of every topic (internal ones too) has all its replicas in its ISR. */
    public void awaitInSync() {
        await().atMost(NODE_TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> underReplicated().isEmpty());
    }

    /** Partitions whose ISR is smaller than their replica set, as {@code topic-partition}. */
    public List<String> underReplicated() throws ExecutionException, InterruptedException {
        try (Admin admin = admin()) {
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
            List<String> out = new ArrayList<>();
            for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get().values()) {
                for (TopicPartitionInfo p : topic.partitions()) {
                    if (p.isr().size() < p.replicas().size()) {
                        out.add(topic.name() + "-" + p.partition());
                    }
                }
            }
            return out;
        }
    }

    /** Every committed record of {@code topic} up to its current end, as a read_committed consumer sees it. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return CommittedRecords.readAll(bootstrapServers(), topic);
    }

    private void awaitBrokers(int count) {
        await().atMost(NODE_TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> brokerIds().size() == count);
    }

    private void awaitBrokersWithout(int id) {
        await().atMost(NODE_TIMEOUT).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> !brokerIds().contains(id));
    }

    private Set<Integer> brokerIds() throws ExecutionException, InterruptedException {
        try (Admin admin = admin()) {
            return admin.describeCluster().nodes().get().stream().map(Node::id).collect(Collectors.toSet());
        }
    }

    private String containerId(int id) {
        return nodes.get(id).getContainerId();
    }

    private DockerClient docker() {
        return nodes.values().iterator().next().getDockerClient();
    }

    @Override
    public void close() {
        for (GenericContainer<?> node : nodes.values()) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                // already gone; remove the others and the network anyway
            }
        }
        network.close();
    }
}
