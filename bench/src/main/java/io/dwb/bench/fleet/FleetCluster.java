package io.dwb.bench.fleet;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.AppInfoParser;

/**
 * The shipped three-broker cluster (deploy/kafka-cluster.compose.yml) under a Compose project and ports of its own,
 * so that it never meets the tests' brokers, plus an override that opens each broker's JMX on loopback for
 * {@link BrokerMetrics} (the bench only: the shipped file stays as users run it). {@link #close} removes the
 * containers and their volumes.
 */
public final class FleetCluster implements AutoCloseable {
    public static final int BROKERS = 3;

    private final Path composeFile;
    private final Path override;
    private final String project;
    private final List<Integer> kafkaPorts;
    private final List<Integer> jmxPorts;
    private final Path log;

    private FleetCluster(Path composeFile, Path override, String project, List<Integer> kafkaPorts,
                         List<Integer> jmxPorts, Path log) {
        this.composeFile = composeFile;
        this.override = override;
        this.project = project;
        this.kafkaPorts = kafkaPorts;
        this.jmxPorts = jmxPorts;
        this.log = log;
    }

    /** {@code docker compose up -d}, then waits until all three brokers answer. */
    public static FleetCluster start(Path composeFile, Path workDir, Path logDir, Duration timeout)
            throws IOException, InterruptedException {
        List<Integer> kafkaPorts = new ArrayList<>();
        List<Integer> jmxPorts = new ArrayList<>();
        StringBuilder yaml = new StringBuilder("# Written by bin/bench fleet: JMX on loopback for the broker "
                + "metrics.\nservices:\n");
        List<Integer> ports = freePorts(2 * BROKERS);
        for (int id = 1; id <= BROKERS; id++) {
            kafkaPorts.add(ports.get(2 * id - 2));
            int jmx = ports.get(2 * id - 1);
            jmxPorts.add(jmx);
            // KAFKA_OPTS, not KAFKA_JMX_OPTS: both the official image and the local test image pass it to the JVM.
            // The RMI port is the registry's, and the stub names 127.0.0.1: reachable through the published port.
            yaml.append("  kafka-").append(id).append(":\n    environment:\n      KAFKA_OPTS: \"")
                    .append("-Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false ")
                    .append("-Dcom.sun.management.jmxremote.ssl=false -Dcom.sun.management.jmxremote.port=")
                    .append(jmx).append(" -Dcom.sun.management.jmxremote.rmi.port=").append(jmx)
                    .append(" -Djava.rmi.server.hostname=127.0.0.1\"\n    ports: [\"127.0.0.1:").append(jmx)
                    .append(':').append(jmx).append("\"]\n");
        }
        Path override = workDir.resolve("kafka-cluster.jmx.yml");
        Files.writeString(override, yaml);
        Files.createDirectories(logDir);
        String project = "dwb-bench-fleet-" + ProcessHandle.current().pid();
        FleetCluster cluster = new FleetCluster(composeFile, override, project, kafkaPorts, jmxPorts,
                logDir.resolve("compose.log"));
        try {
            cluster.compose(Duration.ofMinutes(5), "up", "-d");
            cluster.awaitBrokers(timeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    public String bootstrapServers() {
        return kafkaPorts.stream().map(p -> "localhost:" + p).collect(Collectors.joining(","));
    }

    public List<Integer> jmxPorts() {
        return jmxPorts;
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    private void awaitBrokers(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try (Admin admin = admin()) {
                int brokers = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
                if (brokers == BROKERS) {
                    return;
                }
                last = brokers + " brokers";
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
                     | org.apache.kafka.common.KafkaException e) {
                last = e.toString();
            }
            Thread.sleep(1_000);
        }
        throw new IllegalStateException("the cluster did not come up within " + timeout.toSeconds() + " s: " + last
                + " (see " + log + ")");
    }

    private void compose(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker", "compose", "-p", project, "-f",
                composeFile.toString(), "-f", override.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        for (int id = 1; id <= BROKERS; id++) {
            env.put("KAFKA_" + id + "_PORT", String.valueOf(kafkaPorts.get(id - 1)));
        }
        env.putIfAbsent("KAFKA_IMAGE", System.getenv().getOrDefault("DWB_KAFKA_IMAGE",
                "apache/kafka:" + AppInfoParser.getVersion()));
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("docker compose " + String.join(" ", args) + " took over "
                    + timeout.toSeconds() + " s (see " + log + ")");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("docker compose " + String.join(" ", args) + " exited "
                    + process.exitValue() + " (see " + log + ")");
        }
    }

    /** {@code n} distinct free ports: held open together until all are picked, so none is handed out twice. */
    private static List<Integer> freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    /** {@code docker compose down -v}: containers, network and volumes of this run. */
    @Override
    public void close() throws IOException, InterruptedException {
        compose(Duration.ofMinutes(3), "down", "-v", "--timeout", "20");
    }
}
