package io.dwb.listener;

import io.dwb.schemas.Topics;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.KafkaClientConfig;
import io.dwb.runtime.KafkaConfigFile;
import io.dwb.runtime.KafkaOptions;
import io.dwb.runtime.MetricsEndpoint;
import io.dwb.runtime.MetricsOption;
import io.dwb.runtime.StopSignal;
import io.dwb.runtime.TopicCreationOptions;
import io.dwb.runtime.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code listener} command line: options, ossec.conf, then the {@link CaptureLoop}. */
@Command(name = "listener", sortOptions = false,
        description = {"Reads the Docker engine's events (GET /events) and publishes each one, exactly once, to a "
                + "Kafka topic, with resume from a checkpoint and gap records when continuity cannot be proven."},
        showDefaultValues = true)
public final class ListenerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ListenerCommand.class);

    @Mixin
    CaptureOptions capture;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Topic for events and the listener's gap, state and heartbeat records (env: DWB_TOPIC).")
    String topic;

    @Option(names = "--checkpoint-topic", paramLabel = "NAME", defaultValue = Topics.CHECKPOINTS,
            description = "Compacted topic holding each host's last published event (env: DWB_CHECKPOINT_TOPIC).")
    String checkpointTopic;

    @Mixin
    TopicCreationOptions topicCreation;

    @Option(names = "--topic-partitions", paramLabel = "N", defaultValue = "" + TopicSpec.DEFAULT_EVENTS_PARTITIONS,
            description = "Partitions of the events topic when the listener creates it: at most that many "
                    + "forwarders of a group share the events (env: DWB_TOPIC_PARTITIONS).")
    int topicPartitions;

    @Option(names = "--checkpoint-partitions", paramLabel = "N",
            defaultValue = "" + TopicSpec.DEFAULT_CHECKPOINT_PARTITIONS,
            description = "Partitions of the checkpoint topic when the listener creates it; a listener reads only "
                    + "its host's partition at start. Never change it once created (env: "
                    + "DWB_CHECKPOINT_PARTITIONS).")
    int checkpointPartitions;

    @Option(names = TopicSpec.RETENTION_OPTION, paramLabel = "DURATION",
            defaultValue = TopicSpec.DEFAULT_EVENTS_RETENTION, converter = DurationArgument.Converter.class,
            description = "retention.ms of the events topic when the listener creates it: how far back a replay "
                    + "reaches; above 0, under 1h said at start (env: DWB_RETENTION).")
    Duration retention;

    @Option(names = "--ossec-conf", paramLabel = "FILE",
            description = "Wazuh ossec.conf whose <wodle name=\"docker-listener\"> sets disabled, run_on_start, "
                    + "interval and attempts (env: DWB_OSSEC_CONF). Overrides --reconnect-max-wait and --attempts, which "
                    + "are the engine's; Kafka's retries keep their own backoff.")
    Path ossecConf;

    @Mixin
    MetricsOption metrics;

    @Option(names = "--check", description = "Check the configuration, the engine, Kafka, the topics and this "
            + "principal's permissions, one line each on standard output, then exit: 0 when all are ok, 1 otherwise. "
            + "Creates and fences nothing.")
    boolean check;

    @Override
    public Integer call() {
        ListenerSettings settings = settings();
        if (settings == null) {
            if (check) {
                System.out.println("ok    configuration: the docker-listener wodle is disabled in " + ossecConf
                        + ": the listener would exit at once");
            }
            return 0;
        }
        KafkaConfigFile kafkaFile = kafka.configFile();
        Properties clients = kafkaFile.load();
        KafkaClientConfig.requireServers(clients);
        if (check) {
            System.out.println("ok    configuration: valid");
            return ListenerPreflight.run(settings, clients, System.out);
        }
        EventQueue queue = new EventQueue(settings.queueCapacity(), settings.queueBytes());
        ListenerMetrics listenerMetrics = new ListenerMetrics(queue::size);
        // The heap is the listener's alone: collect it once quiet, tightly, so that what a burst took goes back to
        // the host.
        CaptureLoop loop = new CaptureLoop(settings, clients, kafkaFile, queue, listenerMetrics,
                RestingCollection.forThisJvm());
        // The loop commits what was read and call() returns 0.
        StopSignal.onStop(loop::requestStop);
        try (MetricsEndpoint endpoint =
                     MetricsEndpoint.start(metrics.binding(), listenerMetrics.registry(),
                             listenerMetrics.kafkaClients(), loop::healthy)) {
            int code = loop.run();
            log.info("stopped");
            return code;
        }
    }

    /** The settings, or null when ossec.conf disables the listener. */
    ListenerSettings settings() {
        ListenerSettings settings = capture.settings(topicCreation.plan(List.of(
                TopicSpec.events(topic, topicPartitions, retention, -1),
                TopicSpec.checkpoints(checkpointTopic, checkpointPartitions))));
        if (ossecConf == null) {
            return settings;
        }
        WodleConfig wodle = WodleConfig.read(ossecConf);
        if (wodle.disabled()) {
            log.info("the docker-listener wodle is disabled in {}: nothing to do", ossecConf);
            return null;
        }
        // Wazuh's interval is the wait between attempts to run the listener, which reaches the engine: the same
        // fixed wait every time. The wodle knew no Kafka: a failed transaction is retried with Kafka's own backoff,
        // not after a whole interval (60 s by default) without heartbeats while the queue fills.
        return settings.withEngineRetries(wodle.interval(), wodle.interval(), wodle.attempts(),
                wodle.runOnStart() ? Duration.ZERO : wodle.interval());
    }
}
