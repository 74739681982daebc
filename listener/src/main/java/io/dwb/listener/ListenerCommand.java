package io.dwb.listener;

import io.dwb.schemas.Topics;
import io.dwb.schemas.runtime.ConfigurationError;
import io.dwb.schemas.runtime.KafkaClientConfig;
import io.dwb.schemas.runtime.MetricsEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** The {@code listener} command line: options, ossec.conf, then the {@link CaptureLoop}. */
@Command(name = "listener", sortOptions = false,
        description = {"Reads the Docker engine's events (GET /events) and publishes each one, exactly once, to a "
                + "Kafka topic, with resume from a checkpoint and gap records when continuity cannot be proven."},
        showDefaultValues = true)
public final class ListenerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ListenerCommand.class);

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker engine address (env: DWB_DOCKER_HOST). Default: $DOCKER_HOST, else "
                    + "unix:///var/run/docker.sock. TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.")
    String dockerHost;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka servers (env: DWB_BOOTSTRAP_SERVERS). Default: bootstrap.servers of "
                    + "--kafka-config, else localhost:9092.")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (SASL, TLS, timeouts...), applied to every Kafka client "
                    + "(env: DWB_KAFKA_CONFIG).")
    Path kafkaConfig;

    @Option(names = "--topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Topic for events and the listener's gap, state and heartbeat records (env: DWB_TOPIC).")
    String topic;

    @Option(names = "--checkpoint-topic", paramLabel = "NAME", defaultValue = Topics.CHECKPOINTS,
            description = "Compacted topic holding each host's last published event (env: DWB_CHECKPOINT_TOPIC).")
    String checkpointTopic;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "Name for the host header; the host id is then derived from it (env: DWB_HOST_NAME). "
                    + "Default: the engine's Name and ID from GET /info.")
    String hostName;

    @Option(names = "--ossec-conf", paramLabel = "FILE",
            description = "Wazuh ossec.conf whose <wodle name=\"docker-listener\"> sets disabled, run_on_start, "
                    + "interval and attempts (env: DWB_OSSEC_CONF). Overrides --reconnect-max-wait and --attempts.")
    Path ossecConf;

    @Option(names = "--transaction-interval", paramLabel = "DURATION", defaultValue = "150ms",
            converter = Interval.Converter.class,
            description = "How long events gather before one Kafka transaction commits them with the checkpoint "
                    + "(env: DWB_TRANSACTION_INTERVAL). Suffixes ms, s, m, h.")
    Duration transactionInterval;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "30s",
            converter = Interval.Converter.class,
            description = "How often a heartbeat record is published (env: DWB_HEARTBEAT_INTERVAL).")
    Duration heartbeatInterval;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "10000",
            description = "Events read from the engine and not yet published; when full, the listener disconnects "
                    + "and resumes from the checkpoint (env: DWB_QUEUE_CAPACITY).")
    int queueCapacity;

    @Option(names = "--reconnect-max-wait", paramLabel = "DURATION", defaultValue = "30s",
            converter = Interval.Converter.class,
            description = "Longest wait between reconnection attempts; waits start at 1 s and double "
                    + "(env: DWB_RECONNECT_MAX_WAIT).")
    Duration reconnectMaxWait;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "0",
            description = "Consecutive failed connection attempts to the engine before exiting non-zero; 0 = retry "
                    + "forever once connected, but exit if the very first connection fails (env: DWB_ATTEMPTS).")
    int attempts;

    @Option(names = "--kafka-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = Interval.Converter.class,
            description = "How long Kafka may take to answer at start (and max.block.ms of the producer unless "
                    + "--kafka-config sets it) before the listener gives up naming the servers "
                    + "(env: DWB_KAFKA_TIMEOUT).")
    Duration kafkaTimeout;

    @Option(names = "--continuity-wait", paramLabel = "DURATION", defaultValue = "5s",
            converter = Interval.Converter.class,
            description = "On a quiet engine, how long to wait for the replay of the checkpointed event before "
                    + "reporting a gap (env: DWB_CONTINUITY_WAIT).")
    Duration continuityWait;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port for /metrics (Prometheus text) and /healthz; 0 = none (env: DWB_METRICS_PORT).")
    int metricsPort;

    @Override
    public Integer call() {
        ListenerSettings settings = settings();
        if (settings == null) {
            return 0;
        }
        Properties kafka = KafkaClientConfig.load(bootstrapServers, kafkaConfig);
        EventQueue queue = new EventQueue(settings.queueCapacity());
        ListenerMetrics metrics = new ListenerMetrics(queue::size);
        CaptureLoop loop = new CaptureLoop(settings, kafka, queue, metrics);
        // A handler of our own (not a shutdown hook): the loop commits what was read and call() returns 0.
        Signal.handle(new Signal("TERM"), signal -> loop.requestStop());
        Signal.handle(new Signal("INT"), signal -> loop.requestStop());
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(metricsPort, metrics.registry(), loop::healthy)) {
            if (metricsPort != 0) {
                log.info("metrics on port {}: /metrics and /healthz", endpoint.port());
            }
            int code = loop.run();
            log.info("stopped");
            return code;
        }
    }

    /** The settings, or null when ossec.conf disables the listener. */
    ListenerSettings settings() {
        if (queueCapacity < 1) {
            throw new ConfigurationError("--queue-capacity must be at least 1, not " + queueCapacity);
        }
        if (attempts < 0) {
            throw new ConfigurationError("--attempts must be 0 (forever) or more, not " + attempts);
        }
        if (transactionInterval.isZero() || heartbeatInterval.toSeconds() < 1) {
            throw new ConfigurationError("--transaction-interval must be above 0 and --heartbeat-interval at "
                    + "least 1s");
        }
        Duration backoffInitial = Duration.ofSeconds(1);
        Duration backoffMax = reconnectMaxWait;
        int maxAttempts = attempts;
        Duration startDelay = Duration.ZERO;
        if (ossecConf != null) {
            WodleConfig wodle = WodleConfig.read(ossecConf);
            if (wodle.disabled()) {
                log.info("the docker-listener wodle is disabled in {}: nothing to do", ossecConf);
                return null;
            }
            // Wazuh's interval is the wait between attempts: the same fixed wait every time.
            backoffInitial = wodle.interval();
            backoffMax = wodle.interval();
            maxAttempts = wodle.attempts();
            startDelay = wodle.runOnStart() ? Duration.ZERO : wodle.interval();
        }
        return new ListenerSettings(dockerHost, hostName, topic, checkpointTopic, transactionInterval,
                heartbeatInterval, queueCapacity, backoffInitial, backoffMax, maxAttempts, startDelay, kafkaTimeout,
                continuityWait);
    }
}
