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
import io.dwb.runtime.Launcher;
import io.dwb.runtime.MetricsOption;
import io.dwb.runtime.PortArgument;
import io.dwb.runtime.StopSignal;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
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

    @Option(names = "--kafka-port", paramLabel = "PORT", converter = PortArgument.Converter.class,
            description = "Port of the embedded broker on 127.0.0.1, for kafka-console-consumer with "
                    + "<data-dir>/client.properties, kcat with <data-dir>/kcat.conf (SASL/SCRAM); 0 = any free port. "
                    + "Default: 9092, or a free port (logged) when another process holds 9092 (env: DWB_KAFKA_PORT).")
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

    @Option(names = TopicSpec.RETENTION_OPTION, paramLabel = "DURATION",
            defaultValue = TopicSpec.DEFAULT_EVENTS_RETENTION, converter = DurationArgument.Converter.class,
            description = "How long events stay in the embedded broker, for replay; applied at each start, to the "
                    + "topic of an earlier start too; above 0, under 1h said (env: DWB_RETENTION).")
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

    @Option(names = "--stop-timeout", paramLabel = "DURATION", converter = DurationArgument.Converter.class,
            description = "How long a stop (SIGTERM) may take, the broker's close included: what is still running "
                    + "then is left to the broker's close and the exit. Default: 8s when wazuh-modulesd started the "
                    + "process (the wodle: it kills it 10 s after SIGTERM, wazuh_modules.kill_timeout), 55s "
                    + "otherwise (the units' TimeoutStopSec=60s) (env: DWB_STOP_TIMEOUT).")
    Duration stopTimeout;

    @Mixin
    MetricsOption metrics;

    private final UnaryOperator<Stage> stages;
    private final Consumer<Runnable> onStop;
    private final Consumer<ListenerSettings> engineProbe;
    private final BrokerStart brokerStart;

    public StandaloneCommand() {
        this(UnaryOperator.identity());
    }

    /** @param stages applied to the listener's and the forwarder's stage: how a test injects a fault into them */
    StandaloneCommand(UnaryOperator<Stage> stages) {
        this(stages, StopSignal::onStop, StandaloneCommand::probeEngine, EmbeddedKafka::start);
    }

    /**
     * @param onStop      sets the stop signal's handler ({@link StopSignal#onStop}; a test's, which keeps it)
     * @param engineProbe the ping of the engine before anything starts
     * @param brokerStart {@link EmbeddedKafka#start(Path, BrokerPorts.ClientPort, BooleanSupplier)}, or a test's
     */
    StandaloneCommand(UnaryOperator<Stage> stages, Consumer<Runnable> onStop, Consumer<ListenerSettings> engineProbe,
                      BrokerStart brokerStart) {
        this.stages = stages;
        this.onStop = onStop;
        this.engineProbe = engineProbe;
        this.brokerStart = brokerStart;
    }

    /** What the command needs of its broker. */
    interface Broker extends AutoCloseable {
        String bootstrapServers();

        Properties clientProperties();

        @Override
        void close();
    }

    /** Starts the broker; returns early, maybe not ready, once {@code stopRequested} is true (the caller closes it). */
    @FunctionalInterface
    interface BrokerStart {
        Broker start(Path dataDir, BrokerPorts.ClientPort port, BooleanSupplier stopRequested);
    }

    @Override
    public Integer call() throws Exception {
        if (retentionBytes < 1 << 20) {
            throw new ConfigurationError("--retention-bytes must be at least 1048576, not " + retentionBytes);
        }
        DeliveryOptions.requireWazuhQueue(wazuhQueue);
        boolean toStandardOutput = wazuhQueue.equals(STANDARD_OUTPUT);
        // Validated before anything starts; the forwarder's Kafka properties are only known once the broker runs.
        // Its own metrics endpoint stays off (port 0): the Bridge serves the metrics of both.
        TopicPlan topics = StandaloneTopics.plan(retention, retentionBytes);
        ListenerSettings listenerSettings = capture.settings(topics.only(TopicRole.EVENTS, TopicRole.CHECKPOINTS));
        ForwarderSettings forwarderSettings = delivery.settings(new Properties(), Topics.EVENTS,
                ForwarderCommand.DEFAULT_GROUP, Topics.DLQ, wazuhQueue, null, null, Set.of(),
                metrics.unhealthyAfter(), null);
        // Before anything starts (once the options are known good): a stop during the start (the broker's log
        // recovery, its SCRAM and admin calls, the topics) is a stop, the broker closed, exit 0; without a handler
        // yet, the JVM ended at once with 143, the broker unclosed.
        StopRequest stop = new StopRequest();
        onStop.accept(stop::request);
        StopBudget budget = StopBudget.of(stopTimeout, StopBudget.parentCommand());
        if (wazuhHome != null) {
            String warning = StockWodle.warning(wazuhHome);
            if (warning != null) {
                log.warn(warning);
            }
        }
        try {
            engineProbe.accept(listenerSettings);
        } catch (RuntimeException e) {
            if (!stop.getAsBoolean()) {
                throw e;
            }
            // A stop while the engine did not answer (dockerd restarting behind its socket): a stop, not its failure.
            log.info("stopping: the Docker engine had not answered yet ({}); nothing started", e.getMessage());
            return Launcher.EXIT_OK;
        }
        if (stop.getAsBoolean()) {
            log.info("stopped before the broker started");
            return Launcher.EXIT_OK;
        }
        DataDirSpace.Room room = DataDirSpace.check(dataDir, retentionBytes);
        try (Broker kafka = brokerStart.start(dataDir, kafkaPort == null ? BrokerPorts.ClientPort.DEFAULT
                : BrokerPorts.ClientPort.asked(kafkaPort), stop);
             DataDirWatch space = DataDirWatch.start(dataDir, retentionBytes, room)) {
            if (stop.getAsBoolean()) {
                log.info("stop requested while the broker started: closing it");
                return Launcher.EXIT_OK;
            }
            log.info("Kafka broker on {} (data in {}); alerts to {}, {}", kafka.bootstrapServers(),
                    dataDir.toAbsolutePath().normalize(), toStandardOutput ? "standard output" : wazuhQueue
                            + (Files.exists(Path.of(wazuhQueue)) ? "" : " (not there yet: they wait until it is)"),
                    forwarderSettings.pacing().reason());
            Properties clients = kafka.clientProperties();
            StandaloneTopics.ensure(clients, topics);
            if (stop.getAsBoolean()) {
                log.info("stop requested while the broker started: closing it");
                return Launcher.EXIT_OK;
            }
            // The broker is in this JVM: a retry (CONCURRENT_TRANSACTIONS while the previous transaction's markers
            // are written) costs nothing, so retry soon rather than after the default 100 ms .. 1 s backoff.
            clients.setProperty("retry.backoff.ms", "10");
            clients.setProperty("retry.backoff.max.ms", "100");
            // A local broker answers a fetch at once: waiting less for new data shortens each alert's way.
            Properties forwarderClients = KafkaClientConfig.with(clients, new Properties());
            forwarderClients.setProperty("fetch.max.wait.ms", "100");
            Bridge bridge = Bridge.start(listenerSettings, forwarderSettings.withKafka(forwarderClients), clients,
                    metrics.binding(), stages, budget.bridge());
            // Both asked at once: the listener commits its transaction, the forwarder its offsets, within the
            // budget's share; then the broker stops in what remains of it, and call() returns 0. A stop asked
            // since the broker's start, at once.
            stop.handTo(bridge::requestStop);
            return bridge.awaitStopped();
        } catch (DataDirLock.StoppedWaiting e) {
            log.info("stop requested while another standalone held the data directory: nothing started");
            return Launcher.EXIT_OK;
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
