package io.dwb.standalone;

import io.dwb.forwarder.ForwarderSettings;
import io.dwb.forwarder.LegacyFieldsMode;
import io.dwb.listener.EngineConnection;
import io.dwb.listener.Interval;
import io.dwb.listener.ListenerSettings;
import io.dwb.schemas.Topics;
import io.dwb.schemas.runtime.ConfigurationError;
import io.dwb.schemas.runtime.KafkaClientConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** The {@code standalone} command line: one host's bridge in one process (embedded Kafka, listener, forwarder). */
@Command(name = "standalone", sortOptions = false,
        description = {"One host's Docker-to-Wazuh bridge in one process: an embedded single-node Kafka broker "
                + "(data under --data-dir), the listener (engine events into it) and the forwarder (alerts to the "
                + "Wazuh queue socket, or one JSON a line on standard output). Started again on the same data "
                + "directory, it resumes where it stopped."},
        showDefaultValues = true)
public final class StandaloneCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StandaloneCommand.class);

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data",
            description = "Where the embedded broker keeps its topics, offsets and the listener's checkpoint "
                    + "(env: DWB_DATA_DIR).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT", defaultValue = "9092",
            description = "Port of the embedded broker on 127.0.0.1, for kcat / kafka-console-consumer; 0 = any "
                    + "free port (env: DWB_KAFKA_PORT).")
    int kafkaPort;

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker engine address (env: DWB_DOCKER_HOST). Default: $DOCKER_HOST, else "
                    + "unix:///var/run/docker.sock. TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.")
    String dockerHost;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "Name for the alerts' docker_host; the host id is then derived from it "
                    + "(env: DWB_HOST_NAME). Default: the engine's Name and ID from GET /info.")
    String hostName;

    @Option(names = "--wazuh-queue", paramLabel = "PATH",
            description = "Wazuh queue socket (AF_UNIX datagram), or - for one alert JSON a line on standard "
                    + "output (env: DWB_WAZUH_QUEUE). Default: /var/ossec/queue/sockets/queue when that socket "
                    + "exists, else -.")
    String wazuhQueue;

    @Option(names = "--legacy-fields", paramLabel = "auto|always|never", defaultValue = "auto",
            description = "Add status/id/from to container and image events for Wazuh rulesets before 4.14.4: "
                    + "auto = only when the event has none of them (Engine 29+), always = fill any missing one, "
                    + "never (env: DWB_LEGACY_FIELDS).")
    String legacyFields;

    @Option(names = "--eps", paramLabel = "N", defaultValue = "0",
            description = "At most N alerts a second, without dropping (the Wazuh agent drops beyond its own "
                    + "500/s); 0 = unpaced (env: DWB_EPS).")
    int eps;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "30s",
            converter = Interval.Converter.class,
            description = "How often the listener records a heartbeat (env: DWB_HEARTBEAT_INTERVAL).")
    Duration heartbeatInterval;

    @Option(names = "--reconnect-max-wait", paramLabel = "DURATION", defaultValue = "30s",
            converter = Interval.Converter.class,
            description = "Longest wait between reconnections to a lost engine; waits start at 1 s and double "
                    + "(env: DWB_RECONNECT_MAX_WAIT).")
    Duration reconnectMaxWait;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "0",
            description = "Consecutive failed reconnections to the engine before exiting non-zero; 0 = forever "
                    + "(env: DWB_ATTEMPTS). An engine that does not answer at start always ends the process "
                    + "at once (exit 1), so a supervisor (wm_docker) applies its own interval and attempts.")
    int attempts;

    @Option(names = "--retention", paramLabel = "DURATION", defaultValue = "7d",
            converter = Interval.Converter.class,
            description = "How long events stay in the embedded broker, for replay (env: DWB_RETENTION).")
    Duration retention;

    @Option(names = "--retention-bytes", paramLabel = "BYTES", defaultValue = "1073741824",
            description = "At most this many bytes of events are kept; older ones go first "
                    + "(env: DWB_RETENTION_BYTES).")
    long retentionBytes;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port for /metrics (Prometheus text, listener and forwarder) and /healthz; 0 = none "
                    + "(env: DWB_METRICS_PORT).")
    int metricsPort;

    @Override
    public Integer call() throws Exception {
        if (kafkaPort < 0 || kafkaPort > 65535 || eps < 0 || attempts < 0 || retentionBytes < 1 << 20
                || heartbeatInterval.toSeconds() < 1) {
            throw new ConfigurationError("--kafka-port must be 0..65535, --eps and --attempts >= 0, "
                    + "--retention-bytes >= 1048576 and --heartbeat-interval >= 1s");
        }
        LegacyFieldsMode legacy = legacyFieldsMode();
        String destination = AlertDestination.resolve(wazuhQueue, AlertDestination.DEFAULT_WAZUH_QUEUE);
        probeEngine();

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, kafkaPort)) {
            log.info("Kafka broker on {} (data in {}); alerts to {}", kafka.bootstrapServers(),
                    dataDir.toAbsolutePath().normalize(),
                    destination.equals(AlertDestination.STANDARD_OUTPUT) ? "standard output" : destination);
            StandaloneTopics.ensure(kafka.bootstrapServers(), retention, retentionBytes);
            Properties clients = KafkaClientConfig.load(kafka.bootstrapServers(), null);
            // The broker is in this JVM: a retry (CONCURRENT_TRANSACTIONS while the previous transaction's markers
            // are written) costs nothing, so retry soon rather than after the default 100 ms .. 1 s backoff.
            clients.setProperty("retry.backoff.ms", "10");
            clients.setProperty("retry.backoff.max.ms", "100");
            // A local broker answers a fetch at once: waiting less for new data shortens each alert's way.
            Properties forwarderClients = KafkaClientConfig.with(clients, new Properties());
            forwarderClients.setProperty("fetch.max.wait.ms", "100");
            Bridge bridge = Bridge.start(listenerSettings(), forwarderSettings(forwarderClients, destination, legacy),
                    clients, metricsPort);
            // Our own handlers (not shutdown hooks): the listener commits its transaction, the forwarder its
            // offsets, then the broker stops, and call() returns 0.
            Signal.handle(new Signal("TERM"), signal -> bridge.requestStop());
            Signal.handle(new Signal("INT"), signal -> bridge.requestStop());
            return bridge.awaitStopped();
        } finally {
            log.info("stopped");
        }
    }

    /** One line, before anything starts, when no engine answers: where it looked and how to point elsewhere. */
    private void probeEngine() {
        try (EngineConnection engine = new EngineConnection(dockerHost)) {
            try {
                engine.ping();
            } catch (RuntimeException e) {
                throw new EngineNotFound(e.getMessage() + "; set DOCKER_HOST or --docker-host to where the engine "
                        + "listens, e.g. --docker-host unix:///run/docker.sock or tcp://127.0.0.1:2375");
            }
        }
    }

    private LegacyFieldsMode legacyFieldsMode() {
        try {
            return LegacyFieldsMode.valueOf(legacyFields.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError("--legacy-fields must be auto, always or never, not '" + legacyFields + "'");
        }
    }

    private ListenerSettings listenerSettings() {
        return new ListenerSettings(dockerHost, hostName, Topics.EVENTS, Topics.CHECKPOINTS, Duration.ofMillis(150),
                heartbeatInterval, 10_000, Duration.ofSeconds(1), reconnectMaxWait, attempts, Duration.ZERO,
                Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    private ForwarderSettings forwarderSettings(Properties clients, String destination, LegacyFieldsMode legacy) {
        return new ForwarderSettings(clients, Topics.EVENTS, "wazuh-forwarder", Topics.DLQ, destination, legacy, eps,
                10_000, null, null, 0, Duration.ofSeconds(1), Duration.ofSeconds(5), 2000);
    }

    /** The engine did not answer at start; its message is the whole story, so no stack trace. */
    static final class EngineNotFound extends RuntimeException {
        EngineNotFound(String message) {
            super(message, null, false, false);
        }
    }
}
