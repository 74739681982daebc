package io.dwb.bench;

import io.dwb.runtime.BrokerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The bench's Kafka: one container (Testcontainers, image DWB_KAFKA_IMAGE) for the whole run, configured as the
 * tests' SharedKafka (single-node transaction log, no initial rebalance delay). The bench does not use the schemas
 * test-jar, so that bin/bench builds without compiling anyone's tests. It has the settings the bridge recommends
 * ({@link BrokerSettings}); others may be added or those replaced, to compare them (DWB_BENCH_BROKER_SETTINGS).
 */
public final class BenchBroker implements AutoCloseable {
    private final KafkaContainer container;

    /**
     * @param settings broker properties to add or to replace the recommended ones with, comma-separated
     *                 {@code name=value}; blank for none
     */
    public BenchBroker(String settings) {
        String image = System.getenv().getOrDefault("DWB_KAFKA_IMAGE",
                "apache/kafka:" + AppInfoParser.getVersion());
        container = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withStartupTimeout(Duration.ofMinutes(2));
        // The broker as the bridge recommends it (docs/deployment.md), then the settings to compare, e.g.
        // add.partitions.to.txn.retry.backoff.ms=20 (Kafka's default).
        Map<String, String> all = new TreeMap<>(BrokerSettings.RECOMMENDED);
        for (String setting : settings.split(",")) {
            int eq = setting.indexOf('=');
            if (eq > 0) {
                all.put(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
            }
        }
        all.forEach((name, value) -> container.withEnv(BrokerSettings.imageVariable(name), value));
        container.start();
    }

    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    /** Partitions of the topics the bench creates: one engine's events all go to one partition anyway. */
    public static final int PARTITIONS = 1;

    /**
     * A listener's arguments on the bench's topics: the engine, the broker, the topics and their partitions as the
     * listener would ask for them (else it warns that the topics have fewer than its defaults), then {@code more}.
     */
    public static String[] listenerArguments(String dockerHost, String bootstrapServers, String events,
                                             String checkpoints, String... more) {
        String partitions = String.valueOf(PARTITIONS);
        List<String> arguments = new ArrayList<>(List.of("--docker-host", dockerHost, "--bootstrap-servers",
                bootstrapServers, "--topic", events, "--checkpoint-topic", checkpoints, "--topic-partitions",
                partitions, "--checkpoint-partitions", partitions));
        arguments.addAll(List.of(more));
        return arguments.toArray(String[]::new);
    }

    /** A topic of {@link #PARTITIONS} partitions. */
    public void createTopic(String name, Map<String, String> config) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(name, PARTITIONS, (short) 1).configs(config))).all().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        container.stop();
    }
}
