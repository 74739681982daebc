package io.dwb.standalone;

import io.dwb.forwarder.DeliveryOptions;
import io.dwb.forwarder.ForwarderCommand;
import io.dwb.forwarder.ForwarderSettings;
import io.dwb.listener.CaptureOptions;
import io.dwb.listener.EngineConnection;
import io.dwb.listener.ListenerSettings;
import io.dwb.schemas.Topics;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.KafkaClientConfig;
import io.dwb.runtime.MetricsOption;
import io.dwb.runtime.StopSignal;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code standalone} command line: one host's bridge in one process (embedded Kafka, listener, forwarder). */
@Command(name = "standalone", sortOptions = false,
        description = {"One host's Docker-to-Wazuh bridge in one process: an embedded single-node Kafka broker "
                + "(data under --data-dir), the listener (engine events into it) and the forwarder (alerts to the "
                + "Wazuh queue socket, or one JSON a line on standard output). Started again on the same data "
                + "directory, it resumes where it stopped."},
        showDefaultValues = true)
public final class StandaloneCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(StandaloneCommand.class);
    static final String STANDARD_OUTPUT = "-";

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./data",
            description = "Where the embedded broker keeps its topics, offsets, the listener's checkpoint and "
                    + "its credentials (owner-only; client.properties there logs kafka tools in) (env: DWB_DATA_DIR).")
    Path dataDir;

    @Option(names = "--kafka-port", paramLabel = "PORT",
            description = "Port of the embedded broker on 127.0.0.1, for kcat / kafka-console-consumer with "
                    + "<data-dir>/client.properties (SASL/SCRAM); 0 = any free port. Default: 9092, or a free "
                    + "port (logged) when another process holds 9092 (env: DWB_KAFKA_PORT).")
    Integer kafkaPort;

    @Mixin
    CaptureOptions capture;

    // No fallback to standard output: alerts printed on a host whose Wazuh is not up yet would be committed and
    // never reach Wazuh. Until the socket appears the forwarder waits, keeping them in Kafka.
    @Option(names = "--wazuh-queue", paramLabel = "PATH", defaultValue = DeliveryOptions.DEFAULT_WAZUH_QUEUE,
            description = DeliveryOptions.WAZUH_QUEUE_DESCRIPTION + " Until the socket exists, alerts wait in "
                    + "the embedded broker.")
    String wazuhQueue;

    @Mixin
    DeliveryOptions delivery;

    @Option(names = "--retention", paramLabel = "DURATION", defaultValue = "7d",
            converter = DurationArgument.Converter.class,
            description = "How long events stay in the embedded broker, for replay; applied at each start, to the "
                    + "topic of an earlier start too (env: DWB_RETENTION).")
    Duration retention;

    @Option(names = "--retention-bytes", paramLabel = "BYTES", defaultValue = "1073741824",
            description = "At most this many bytes of events are kept; older ones go first; applied at each start "
                    + "(env: DWB_RETENTION_BYTES).")
    long retentionBytes;

    @Option(names = "--wazuh-home", paramLabel = "DIR",
            description = "The Wazuh installation this bridge runs beside as a service of its own (the systemd "
                    + "unit of standalone/service/install sets it): at start, a WARN line when DIR/etc/ossec.conf "
                    + "still enables the stock docker-listener wodle, whose alerts would arrive twice; unset, no "
                    + "check (env: DWB_WAZUH_HOME).")
    Path wazuhHome;

    @Mixin
    MetricsOption metrics;

    private final UnaryOperator<Stage> stages;

    public StandaloneCommand() {
        this(UnaryOperator.identity());
    }

    /** @param stages applied to the listener's and the forwarder's stage: how a test injects a fault into them */
    StandaloneCommand(UnaryOperator<Stage> stages) {
        this.stages = stages;
    }

    @Override
    public Integer call() throws Exception {
        if (kafkaPort != null && (kafkaPort < 0 || kafkaPort > 65535) || retentionBytes < 1 << 20) {
            throw new ConfigurationError("--kafka-port must be 0..65535 and --retention-bytes >= 1048576");
        }
        if (wazuhQueue.isBlank()) {
            throw new ConfigurationError("--wazuh-queue must be a socket path, or - for standard output");
        }
        boolean toStandardOutput = wazuhQueue.equals(STANDARD_OUTPUT);
        // Validated before anything starts; the forwarder's Kafka properties are only known once the broker runs.
        // Its own metrics endpoint stays off (port 0): the Bridge serves the metrics of both.
        TopicPlan topics = StandaloneTopics.plan(retention, retentionBytes);
        ListenerSettings listenerSettings = capture.settings(topics.only(TopicRole.EVENTS, TopicRole.CHECKPOINTS));
        ForwarderSettings forwarderSettings = delivery.settings(new Properties(), Topics.EVENTS,
                ForwarderCommand.DEFAULT_GROUP, Topics.DLQ, wazuhQueue, null, null, metrics.unhealthyAfter(),
                null);
        if (wazuhHome != null) {
            String warning = StockWodle.warning(wazuhHome);
            if (warning != null) {
                log.warn(warning);
            }
        }
        probeEngine(listenerSettings);
        String otherInstall = OtherInstallData.warning(dataDir, OtherInstallData.KNOWN); // before the broker formats it
        if (otherInstall != null) {
            log.warn(otherInstall);
        }

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, kafkaPort == null ? BrokerPorts.ClientPort.DEFAULT
                : BrokerPorts.ClientPort.asked(kafkaPort))) {
            log.info("Kafka broker on {} (data in {}); alerts to {}, {}", kafka.bootstrapServers(),
                    dataDir.toAbsolutePath().normalize(), toStandardOutput ? "standard output" : wazuhQueue
                            + (Files.exists(Path.of(wazuhQueue)) ? "" : " (not there yet: they wait until it is)"),
                    forwarderSettings.pacing().reason());
            Properties clients = kafka.clientProperties();
            StandaloneTopics.ensure(clients, topics);
            // The broker is in this JVM: a retry (CONCURRENT_TRANSACTIONS while the previous transaction's markers
            // are written) costs nothing, so retry soon rather than after the default 100 ms .. 1 s backoff.
            clients.setProperty("retry.backoff.ms", "10");
            clients.setProperty("retry.backoff.max.ms", "100");
            // A local broker answers a fetch at once: waiting less for new data shortens each alert's way.
            Properties forwarderClients = KafkaClientConfig.with(clients, new Properties());
            forwarderClients.setProperty("fetch.max.wait.ms", "100");
            Bridge bridge = Bridge.start(listenerSettings, forwarderSettings.withKafka(forwarderClients), clients,
                    metrics.binding(), stages);
            // The listener commits its transaction, the forwarder its offsets, then the broker stops, and call()
            // returns 0.
            StopSignal.onStop(bridge::requestStop);
            return bridge.awaitStopped();
        } finally {
            log.info("stopped");
        }
    }

    /** One line, before anything starts, when no engine answers: where it looked and how to point elsewhere. */
    private static void probeEngine(ListenerSettings settings) {
        try (EngineConnection engine = new EngineConnection(settings.engine(), settings.engineProbe())) {
            try {
                engine.ping();
            } catch (RuntimeException e) {
                throw new EngineNotFound(e.getMessage() + "; set DOCKER_HOST or --docker-host to where the engine "
                        + "listens, e.g. --docker-host unix:///run/docker.sock or tcp://127.0.0.1:2375");
            }
        }
    }

    /** The engine did not answer at start; its message is the whole story, so no stack trace. */
    static final class EngineNotFound extends RuntimeException {
        EngineNotFound(String message) {
            super(message, null, false, false);
        }
    }
}
