package io.dwb.standalone;

import static io.dwb.standalone.Commands.concat;
import static io.dwb.standalone.Commands.run;
import static io.dwb.standalone.Commands.runQuietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.forwarder.ForwarderCommand;
import io.dwb.runtime.BrokerSettings;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.FreePorts;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.KafkaImage;
import io.dwb.schemas.testing.TestEngine;
import io.dwb.schemas.testing.TestJvmFlags;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kafka-cluster.compose.yml as a user starts it: three brokers published on loopback; a listener and a
 * forwarder pointed at them create the bridge's topics with replication factor 3 and min.insync.replicas 2 (Kafka's
 * transaction state topic too), and a container run on the engine arrives as alerts.
 */
class ClusterComposeTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String KAFKA_IMAGE = KafkaImage.name();

    @TempDir
    Path work;

    @Test
    void theComposeClusterStartsAndTheBridgesTopicsAreReplicatedThreeTimes() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_IMAGE", KAFKA_IMAGE);
        env.put("KAFKA_HEAP_OPTS", "-Xmx384m -Xms128m");
        env.put("KAFKA_JVM_PERFORMANCE_OPTS", TestJvmFlags.kafkaPerformanceOpts());
        List<Integer> ports = FreePorts.distinct(3);
        for (int i = 0; i < 3; i++) {
            env.put("KAFKA_" + (i + 1) + "_PORT", Integer.toString(ports.get(i)));
        }
        String bootstrap = ports.stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
        List<String> compose = List.of("docker", "compose", "-p", "dwb-cluster-test-" + tag, "-f",
                ROOT.resolve("deploy/kafka-cluster.compose.yml").toString());
        String topic = "events-" + tag;
        String dlq = topic + "-dlq";
        String checkpoints = "checkpoints-" + tag;
        try {
            run(concat(compose, "up", "-d"), env, Duration.ofMinutes(5));
            try (Admin admin = admin(bootstrap)) {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> admin.describeCluster().nodes().get().size() == 3);
            }
            try (DatagramReceiver wazuh = DatagramReceiver.bind(work.resolve("queue"));
                 JavaProcess listener = JavaProcess.start(io.dwb.listener.Main.class, engineEnv(), List.of(
                         "--bootstrap-servers", bootstrap, "--topic", topic, "--checkpoint-topic", checkpoints,
                         "--host-name", "compose-cluster-" + tag));
                 JavaProcess forwarder = JavaProcess.start(ForwarderCommand.class, Map.of(), List.of(
                         "--bootstrap-servers", bootstrap, "--topic", topic, "--group", "g-" + tag,
                         "--dlq-topic", dlq, "--wazuh-queue", wazuh.path().toString(), "--max-live-age", "0"))) {
                await().atMost(Duration.ofMinutes(2)).until(() -> {
                    assertThat(listener.isAlive()).as("listener running:%n%s", listener.output()).isTrue();
                    return listener.output().contains("connected to the Docker engine");
                });
                String name = TestEngine.uniqueName("compose-cluster");
                run(List.of("docker", "run", "--rm", "--network", "none", "--label", "dwb.test=true", "--name",
                        name, TestEngine.BUSYBOX, "true"), env, Duration.ofMinutes(1));
                await().atMost(Duration.ofMinutes(2)).until(() -> {
                    assertThat(forwarder.isAlive()).as("forwarder running:%n%s", forwarder.output()).isTrue();
                    return wazuh.texts().stream().filter(t -> t.contains(name)).count() >= 4;
                });
            }
            try (Admin admin = admin(bootstrap)) {
                Map<String, TopicDescription> topics = admin.describeTopics(
                        List.of(topic, checkpoints, dlq, "__transaction_state")).allTopicNames().get();
                assertThat(topics.values()).allSatisfy(t -> assertThat(t.partitions()).allSatisfy(
                        p -> assertThat(p.replicas()).as("replicas of %s-%d", t.name(), p.partition()).hasSize(3)));
                Set<ConfigResource> resources = Set.of(topic, checkpoints, dlq, "__transaction_state").stream()
                        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).collect(Collectors.toSet());
                admin.describeConfigs(resources).all().get().forEach((resource, config) ->
                        assertThat(config.get("min.insync.replicas").value())
                                .as("min.insync.replicas of %s", resource.name()).isEqualTo("2"));
                Set<ConfigResource> brokers = Set.of("1", "2", "3").stream()
                        .map(id -> new ConfigResource(ConfigResource.Type.BROKER, id)).collect(Collectors.toSet());
                admin.describeConfigs(brokers).all().get().forEach((resource, config) ->
                        BrokerSettings.RECOMMENDED.forEach((name, value) -> assertThat(config.get(name).value())
                                .as("%s of broker %s", name, resource.name()).isEqualTo(value)));
            }
        } finally {
            runQuietly(concat(compose, "down", "-v", "--timeout", "20"), env);
        }
    }

    private static Admin admin(String bootstrap) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(p);
    }

    private static Map<String, String> engineEnv() {
        return Map.of("DOCKER_HOST", System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock"));
    }
}
