package io.dwb.listener;

import io.dwb.runtime.TopicPlan;
import java.time.Duration;

/**
 * Everything the capture loop needs to know, resolved from the command line, the environment, the config file and
 * ossec.conf.
 *
 * @param engine              where the engine is, and its TLS
 * @param engineProbe         how often and how patiently the engine is probed while subscribed (half-open
 *                            connections)
 * @param hostName            {@code --host-name}, null to use the engine's own Name and ID
 * @param eventsTopic         where events, gaps, heartbeats and snapshots go
 * @param checkpointsTopic    the compacted checkpoint topic
 * @param commitTiming        when a transaction commits: the longest events wait while they keep coming, and how
 *                            long one stays open at least
 * @param heartbeatInterval   how often a heartbeat record is published
 * @param queueCapacity       events read and not yet published before the reader disconnects
 * @param queueBytes          their bytes before the reader disconnects
 * @param reconnectInitial    first wait after the engine is lost (or cannot be reached at start); the engine's
 *                            alone: Kafka's retries have a backoff of their own ({@code CaptureLoop.KAFKA_RETRY_*})
 * @param reconnectMax        longest wait between reconnection attempts to the engine
 * @param attempts            consecutive failed connection attempts before exiting; 0 = forever once connected,
 *                            but the very first connection must succeed
 * @param startDelay          wait before the first connection ({@code run_on_start=no}), zero for none
 * @param kafkaTimeout        how long a first contact with Kafka may take before the listener gives up
 * @param continuityWait      how long to wait for a replay that proves continuity on a quiet engine
 * @param topics              the events and checkpoint topics: how to create them, whether to
 */
public record ListenerSettings(EngineAddress engine, EngineProbe.Settings engineProbe, String hostName,
                               String eventsTopic, String checkpointsTopic,
                               CommitTiming commitTiming, Duration heartbeatInterval, int queueCapacity,
                               long queueBytes,
                               Duration reconnectInitial, Duration reconnectMax, int attempts, Duration startDelay,
                               Duration kafkaTimeout, Duration continuityWait, TopicPlan topics) {

    /**
     * These settings with another policy for reaching the engine (ossec.conf's interval, attempts and run_on_start);
     * Kafka's retries keep theirs.
     */
    public ListenerSettings withEngineRetries(Duration reconnectInitial, Duration reconnectMax, int attempts,
                                              Duration startDelay) {
        return new ListenerSettings(engine, engineProbe, hostName, eventsTopic, checkpointsTopic,
                commitTiming, heartbeatInterval, queueCapacity, queueBytes, reconnectInitial, reconnectMax,
                attempts, startDelay, kafkaTimeout, continuityWait, topics);
    }
}
