package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicRole;
import io.dwb.schemas.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * picocli mixin: how the listener captures one engine's events, whatever Kafka it writes to. Shared by the
 * {@code listener} and {@code standalone} commands, so each option, its default and its description exist once.
 */
public final class CaptureOptions {
    private static final Logger log = LoggerFactory.getLogger(CaptureOptions.class);
    /** A wait under it is said at start: taken, as before, but near the failures 0 made certain. */
    private static final Duration SHORT_WAIT = Duration.ofSeconds(1);
    /** The first wait after the engine is lost; it doubles up to --reconnect-max-wait. */
    private static final Duration FIRST_RECONNECT_WAIT = Duration.ofSeconds(1);

    @Option(names = "--docker-host", paramLabel = "URL",
            description = "Docker engine address: unix:///path or tcp://host[:port][/path], port 2375 by default, "
                    + "a path the API's base path (env: DWB_DOCKER_HOST). Default: $DOCKER_HOST, else "
                    + "unix:///var/run/docker.sock (no docker contexts). TLS for tcp:// as the docker CLI: "
                    + "DOCKER_TLS_VERIFY set to anything, files from DOCKER_CERT_PATH, else DOCKER_CONFIG, else "
                    + "~/.docker.")
    String dockerHost;

    @Option(names = "--host-name", paramLabel = "NAME",
            description = "Name for the host header (and the alerts' docker_host); the host id is then derived "
                    + "from it; at most 256 bytes (env: DWB_HOST_NAME). Default: the engine's Name and ID from "
                    + "GET /info.")
    String hostName;

    @Option(names = "--transaction-interval", paramLabel = "DURATION", defaultValue = "150ms",
            converter = DurationArgument.Converter.class,
            description = "The longest events wait before a Kafka transaction commits them with the checkpoint; a "
                    + "commit happens earlier when the engine goes quiet (env: DWB_TRANSACTION_INTERVAL). "
                    + "Suffixes ms, s, m, h, d, w; a bare number is seconds.")
    Duration transactionInterval;

    /** The longest {@code --transaction-linger}: each event's alert may wait that long. */
    static final int MAX_LINGER_SECONDS = 10;

    @Option(names = "--transaction-linger", paramLabel = "DURATION", defaultValue = "0",
            converter = DurationArgument.Converter.class,
            description = "How long a Kafka transaction that holds events stays open after its first record for "
                    + "the events that follow to join it, unless it is full or the listener stops: fewer, larger "
                    + "transactions (events that come one at a time make one each, a fleet's load on Kafka's "
                    + "transaction coordinators), each event's alert up to this much later; a heartbeat alone is not "
                    + "held; 0 = commit as soon as the engine goes quiet; at most " + MAX_LINGER_SECONDS + "s and "
                    + "half the heartbeat interval (env: DWB_TRANSACTION_LINGER).")
    Duration transactionLinger;

    @Option(names = "--heartbeat-interval", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "How often a heartbeat record is published (env: DWB_HEARTBEAT_INTERVAL).")
    Duration heartbeatInterval;

    @Option(names = "--queue-capacity", paramLabel = "N", defaultValue = "10000",
            description = "Events read from the engine and not yet published; when full, the listener disconnects "
                    + "and resumes from the checkpoint (env: DWB_QUEUE_CAPACITY).")
    int queueCapacity;

    @Option(names = "--queue-bytes", paramLabel = "BYTES", defaultValue = "" + EventQueue.DEFAULT_BYTES,
            description = "Bytes of the events read and not yet published (the engine's JSON and the identity "
                    + "fields kept with it, until Kafka has them); when reached, the listener disconnects and resumes "
                    + "from the checkpoint, as when --queue-capacity is reached. The default fits bin/listener's 64 MB "
                    + "heap (env: DWB_QUEUE_BYTES).")
    long queueBytes;

    @Option(names = "--reconnect-max-wait", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "Longest wait between reconnection attempts to the Docker engine; waits start at 1 s "
                    + "and double. Kafka's retries have their own backoff, " + CaptureLoop.KAFKA_RETRY_FIRST_SECONDS
                    + " s doubling up to " + CaptureLoop.KAFKA_RETRY_MAX_SECONDS + " s until a transaction commits "
                    + "(env: DWB_RECONNECT_MAX_WAIT).")
    Duration reconnectMaxWait;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "0",
            description = "Consecutive failed connection attempts to the engine before exiting non-zero; 0 = retry "
                    + "forever once connected, but exit if the very first connection fails (env: DWB_ATTEMPTS).")
    int attempts;

    @Option(names = "--kafka-timeout", paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationArgument.Converter.class,
            description = "How long Kafka may take to answer at start (and max.block.ms of the producer unless "
                    + "the Kafka client configuration sets it) before the listener gives up naming the servers; "
                    + "above 0 (env: DWB_KAFKA_TIMEOUT).")
    Duration kafkaTimeout;

    @Option(names = "--continuity-wait", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationArgument.Converter.class,
            description = "On a quiet engine, how long to wait for the replay of the checkpointed event before "
                    + "reporting a gap: from the subscription, and again from each replayed event older than the "
                    + "checkpoint; above 0 (env: DWB_CONTINUITY_WAIT).")
    Duration continuityWait;

    @Option(names = "--engine-probe-interval", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationArgument.Converter.class,
            description = "While subscribed, how often GET /_ping checks on a second connection that the engine "
                    + "still answers; after interval + timeout without an answer the events connection is dropped "
                    + "as half-open and resumed from the checkpoint (env: DWB_ENGINE_PROBE_INTERVAL).")
    Duration engineProbeInterval;

    @Option(names = "--engine-probe-timeout", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationArgument.Converter.class,
            description = "How long one GET /_ping probe may take (env: DWB_ENGINE_PROBE_TIMEOUT).")
    Duration engineProbeTimeout;

    /** Where {@code --docker-host}, else DOCKER_HOST, else the default socket says the engine is. */
    public EngineAddress engineAddress() {
        return EngineAddress.resolve(dockerHost);
    }

    /** The {@code --engine-probe-*} options, for an {@link EngineConnection}. */
    public EngineProbe.Settings engineProbe() {
        return new EngineProbe.Settings(engineProbeInterval, engineProbeTimeout);
    }

    /**
     * The validated settings, with the engine reconnection policy of the options (ossec.conf may replace it: {@link
     * ListenerSettings#withEngineRetries}).
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
        if (engineProbeInterval.toMillis() < 1) {
            throw new ConfigurationError("--engine-probe-interval must be above 0");
        }
        if (engineProbeTimeout.toMillis() < 1) {
            throw new ConfigurationError("--engine-probe-timeout must be above 0");
        }
        if (kafkaTimeout.toMillis() < 1) {
            // 0 was taken, and every start failed: "cannot reach Kafka (no answer within 0 s)", exit 1 for ever.
            throw new ConfigurationError("--kafka-timeout must be above 0");
        }
        if (continuityWait.toMillis() < 1) {
            // 0 was taken, and every restart reported a gap (checkpoint-not-replayed, level 10) before the replay of
            // the checkpointed event, some 15 ms away, could prove there was none.
            throw new ConfigurationError("--continuity-wait must be above 0");
        }
        if (kafkaTimeout.compareTo(SHORT_WAIT) < 0) {
            log.warn("--kafka-timeout {} is under {}: a Kafka slower than that to answer at start is taken as "
                    + "unreachable (exit 1)", DurationArgument.text(kafkaTimeout), DurationArgument.text(SHORT_WAIT));
        }
        if (continuityWait.compareTo(SHORT_WAIT) < 0) {
            log.warn("--continuity-wait {} is under {}: an engine slower than that to replay the checkpointed event "
                    + "(some 15 ms on a quiet host) reports a gap that is none", DurationArgument.text(continuityWait),
                    DurationArgument.text(SHORT_WAIT));
        }
        if (reconnectMaxWait.toMillis() < 1) {
            // Every wait was then 0: reconnections without a pause, and no heartbeat while the engine was away (the
            // idle wait ended before its turn), the host reported silent
            throw new ConfigurationError("--reconnect-max-wait must be above 0 (it caps waits that start at 1 s), not "
                    + DurationArgument.text(reconnectMaxWait));
        }
        if (attempts < 0) {
            throw new ConfigurationError("--attempts must be 0 (forever) or more, not " + attempts);
        }
        if (transactionInterval.isZero()) {
            throw new ConfigurationError("--transaction-interval must be above 0");
        }
        if (heartbeatInterval.toSeconds() < 1) {
            throw new ConfigurationError("--heartbeat-interval must be at least 1s, not "
                    + DurationArgument.text(heartbeatInterval));
        }
        if (transactionLinger.isNegative()
                || transactionLinger.compareTo(Duration.ofSeconds(MAX_LINGER_SECONDS)) > 0
                || transactionLinger.compareTo(heartbeatInterval.dividedBy(2)) > 0) {
            // Heartbeats held longer, in transactions of events, let a forwarder take a live host for silent.
            throw new ConfigurationError("--transaction-linger must be 0 to " + MAX_LINGER_SECONDS + "s and at most "
                    + "half the --heartbeat-interval, not " + transactionLinger.toMillis() + " ms");
        }
        if (heartbeatInterval.compareTo(Duration.ofDays(1)) > 0) {
            // heartbeat.schema.json: a forwarder dead-letters a heartbeat with a longer interval as forged
            throw new ConfigurationError("--heartbeat-interval must be at most 1d, not "
                    + DurationArgument.text(heartbeatInterval));
        }
        if (hostName != null && (hostName.isBlank()
                || hostName.getBytes(StandardCharsets.UTF_8).length > HeaderNames.MAX_HOST_BYTES)) {
            // A forwarder dead-letters every record of a host with a longer name (invalid-host).
            throw new ConfigurationError("--host-name must be 1 to " + HeaderNames.MAX_HOST_BYTES
                    + " bytes long");
        }
        return new ListenerSettings(engineAddress(), engineProbe(), hostName, topics.spec(TopicRole.EVENTS).name(),
                topics.spec(TopicRole.CHECKPOINTS).name(), new CommitTiming(transactionInterval, transactionLinger),
                heartbeatInterval, queueCapacity,
                queueBytes, FIRST_RECONNECT_WAIT, reconnectMaxWait, attempts, Duration.ZERO, kafkaTimeout,
                continuityWait, topics);
    }
}
