package io.dwb.listener;

import io.dwb.schemas.runtime.ConfigurationError;
import io.dwb.schemas.runtime.DurationArgument;
import io.dwb.schemas.runtime.TopicPlan;
import io.dwb.schemas.runtime.TopicRole;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * picocli mixin: how the listener captures one engine's events, whatever Kafka it writes to. Shared by the
 * {@code listener} and {@code standalone} commands, so each option, its default and its description exist once.
 */
public final class CaptureOptions {
    /** The first wait after the engine is lost; it doubles up to --reconnect-max-wait. */
    private static final Duration FIRST_RECONNECT_WAIT = Duration.ofSeconds(1);

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker engine address (env: DWB_DOCKER_HOST). Default: $DOCKER_HOST, else "
                    + "unix:///var/run/docker.sock. TLS from DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.")
    String dockerHost;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "Name for the host header (and the alerts' docker_host); the host id is then derived "
                    + "from it (env: DWB_HOST_NAME). Default: the engine's Name and ID from GET /info.")
    String hostName;

    @Option(names = "--transaction-interval", paramLabel = "DURATION", defaultValue = "150ms",
            converter = DurationArgument.Converter.class,
            description = "The longest events wait before a Kafka transaction commits them with the checkpoint; a "
                    + "commit happens earlier when the engine goes quiet (env: DWB_TRANSACTION_INTERVAL). "
                    + "Suffixes ms, s, m, h.")
    Duration transactionInterval;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "How often a heartbeat record is published (env: DWB_HEARTBEAT_INTERVAL).")
    Duration heartbeatInterval;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "10000",
            description = "Events read from the engine and not yet published; when full, the listener disconnects "
                    + "and resumes from the checkpoint (env: DWB_QUEUE_CAPACITY).")
    int queueCapacity;

    @Option(names = "--queue-bytes", paramLabel = "BYTES", defaultValue = "" + EventQueue.DEFAULT_BYTES,
            description = "Bytes of the events read and not yet published (the engine's JSON, until Kafka has "
                    + "them); when reached, the listener disconnects and resumes from the checkpoint, as when "
                    + "--queue-capacity is reached. The default fits bin/listener's 64 MB heap "
                    + "(env: DWB_QUEUE_BYTES).")
    long queueBytes;

    @Option(names = "--reconnect-max-wait", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "Longest wait between reconnection attempts; waits start at 1 s and double "
                    + "(env: DWB_RECONNECT_MAX_WAIT).")
    Duration reconnectMaxWait;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "0",
            description = "Consecutive failed connection attempts to the engine before exiting non-zero; 0 = retry "
                    + "forever once connected, but exit if the very first connection fails (env: DWB_ATTEMPTS).")
    int attempts;

    @Option(names = "--kafka-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "How long Kafka may take to answer at start (and max.block.ms of the producer unless "
                    + "the Kafka client configuration sets it) before the listener gives up naming the servers "
                    + "(env: DWB_KAFKA_TIMEOUT).")
    Duration kafkaTimeout;

    @Option(names = "--continuity-wait", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationArgument.Converter.class,
            description = "On a quiet engine, how long to wait for the replay of the checkpointed event before "
                    + "reporting a gap (env: DWB_CONTINUITY_WAIT).")
    Duration continuityWait;

    /** The {@code --docker-host} option; null for docker-java's default. */
    public String dockerHost() {
        return dockerHost;
    }

    /**
     * The validated settings, with the reconnection policy of the options (ossec.conf may replace it: {@link
     * ListenerSettings#withRetries}).
     *
     * @param topics the events and checkpoint topics
     * @throws ConfigurationError naming the option whose value cannot work
     */
    public ListenerSettings settings(TopicPlan topics) {
        if (queueCapacity < 1) {
            throw new ConfigurationError("--queue-capacity must be at least 1, not " + queueCapacity);
        }
        if (queueBytes < 1) {
            throw new ConfigurationError("--queue-bytes must be at least 1, not " + queueBytes);
        }
        if (attempts < 0) {
            throw new ConfigurationError("--attempts must be 0 (forever) or more, not " + attempts);
        }
        if (transactionInterval.isZero() || heartbeatInterval.toSeconds() < 1) {
            throw new ConfigurationError("--transaction-interval must be above 0 and --heartbeat-interval at "
                    + "least 1s");
        }
        return new ListenerSettings(dockerHost, hostName, topics.spec(TopicRole.EVENTS).name(),
                topics.spec(TopicRole.CHECKPOINTS).name(), transactionInterval, heartbeatInterval, queueCapacity,
                queueBytes, FIRST_RECONNECT_WAIT, reconnectMaxWait, attempts, Duration.ZERO, kafkaTimeout,
                continuityWait, topics);
    }
}
