package io.dwb.forwarder;

import io.dwb.schemas.Topics;
import io.dwb.schemas.runtime.ConfigurationError;
import io.dwb.schemas.runtime.KafkaClientConfig;
import io.dwb.schemas.runtime.Launcher;
import io.dwb.schemas.runtime.MetricsEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code forwarder} command: Kafka topic to the Wazuh queue socket. */
@Command(name = "forwarder", sortOptions = false,
        description = "Delivers Docker engine events from Kafka to Wazuh: one datagram per event on the Wazuh queue "
                + "socket, as the docker-listener wodle sent them, at least once, paced, replayable. "
                + "See docs/forwarder.md.")
public final class ForwarderCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ForwarderCommand.class);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT,...",
            description = "Kafka brokers (default: bootstrap.servers of --kafka-config, else localhost:9092).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties file (SASL, TLS, timeouts, auto.offset.reset...).")
    Path kafkaConfig;

    @Option(names = "--topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Topic of engine events (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--group", paramLabel = "ID", defaultValue = "wazuh-forwarder",
            description = "Consumer group; forwarders of one group share the partitions (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--dlq-topic", paramLabel = "NAME", defaultValue = Topics.DLQ,
            description = "Dead-letter topic for records that cannot become alerts (default: ${DEFAULT-VALUE}).")
    String dlqTopic;

    @Option(names = "--wazuh-queue", paramLabel = "PATH", defaultValue = "/var/ossec/queue/sockets/queue",
            description = "Wazuh queue socket (AF_UNIX datagram), or - for one alert JSON a line on standard "
                    + "output (default: ${DEFAULT-VALUE}).")
    String wazuhQueue;

    @Option(names = "--legacy-fields", paramLabel = "auto|always|never", defaultValue = "auto",
            description = "Add status/id/from to container and image events for Wazuh rulesets before 4.14.4: "
                    + "auto = only when the event has none of them (Engine 29+), always = fill any missing one, "
                    + "never (default: ${DEFAULT-VALUE}).")
    String legacyFields;

    @Option(names = "--eps", paramLabel = "N", defaultValue = "0",
            description = "At most N datagrams a second, without dropping (the Wazuh agent drops beyond its "
                    + "own 500/s); 0 = unpaced (default: ${DEFAULT-VALUE}).")
    int eps;

    @Option(names = "--dedup-window", paramLabel = "N", defaultValue = "10000",
            description = "Event ids remembered per host to drop duplicates; 0 = off (default: ${DEFAULT-VALUE}).")
    int dedupWindow;

    @Option(names = "--from", paramLabel = "TIME", converter = TimeArgument.class,
            description = "Replay: deliver the events from TIME (RFC 3339 or epoch seconds) from every "
                    + "partition, marked replay, without committing; exit 0 when done.")
    Long from;

    @Option(names = "--to", paramLabel = "TIME", converter = TimeArgument.class,
            description = "Replay: end of the window, exclusive (default: the end of the topic at start).")
    Long to;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Serve /metrics (Prometheus) and /healthz on this port; 0 = off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--commit-interval", paramLabel = "MS", defaultValue = "1000",
            description = "Milliseconds between offset commits; what a crash can deliver twice (default: ${DEFAULT-VALUE}).")
    long commitIntervalMillis;

    @Option(names = "--retry-max-delay", paramLabel = "MS", defaultValue = "5000",
            description = "Longest wait between retries while Wazuh cannot take datagrams (default: ${DEFAULT-VALUE}).")
    long retryMaxDelayMillis;

    @Option(names = "--max-pending", paramLabel = "N", defaultValue = "2000",
            description = "Records held in memory per partition before fetching pauses (default: ${DEFAULT-VALUE}).")
    int maxPending;

    public static void main(String[] args) {
        Launcher.run("forwarder", new ForwarderCommand(), args);
    }

    ForwarderSettings settings() {
        if (eps < 0 || dedupWindow < 0 || maxPending < 1 || commitIntervalMillis < 1 || retryMaxDelayMillis < 100) {
            throw new ConfigurationError("--eps and --dedup-window must be >= 0, --max-pending and "
                    + "--commit-interval >= 1, --retry-max-delay >= 100");
        }
        if (to != null && from == null) {
            throw new ConfigurationError("--to needs --from");
        }
        if (to != null && to <= from) {
            throw new ConfigurationError("--to must be after --from");
        }
        LegacyFieldsMode mode;
        try {
            mode = LegacyFieldsMode.valueOf(legacyFields.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError("--legacy-fields must be auto, always or never, not '" + legacyFields + "'");
        }
        return new ForwarderSettings(KafkaClientConfig.load(bootstrapServers, kafkaConfig), topic, group, dlqTopic,
                wazuhQueue, mode, eps, dedupWindow, from, to, metricsPort, Duration.ofMillis(commitIntervalMillis),
                Duration.ofMillis(retryMaxDelayMillis), maxPending);
    }

    @Override
    public Integer call() throws Exception {
        ForwarderSettings settings = settings();
        CountDownLatch finished = new CountDownLatch(1);
        try (Forwarder forwarder = new Forwarder(settings);
             MetricsEndpoint endpoint = MetricsEndpoint.start(settings.metricsPort(),
                     forwarder.metrics().registry(), forwarder::healthy)) {
            Thread hook = new Thread(() -> onSigterm(forwarder, finished), "forwarder-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            log.info("forwarding {} (group {}) to {}{}", settings.topic(),
                    settings.replay() ? "none: replay" : settings.group(), settings.wazuhQueue(),
                    settings.eps() > 0 ? " at most " + settings.eps() + "/s" : "");
            try {
                forwarder.run();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running: it waits for `finished` and ends the JVM itself
                }
            }
        } finally {
            finished.countDown();
        }
        return Launcher.EXIT_OK;
    }

    /**
     * SIGTERM: the loop commits what was delivered and the consumer leaves its group (its partitions move at once),
     * then the JVM exits 0 (a signal-initiated exit would otherwise report 143).
     */
    private static void onSigterm(Forwarder forwarder, CountDownLatch finished) {
        log.info("stopping: committing what was delivered");
        forwarder.stop();
        try {
            finished.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("stopped");
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(Launcher.EXIT_OK);
    }
}
