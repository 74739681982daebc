package io.dwb.forwarder;

import io.dwb.schemas.Topics;
import io.dwb.runtime.ClientTimeouts;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.InterruptOnStop;
import io.dwb.runtime.KafkaClientConfig;
import io.dwb.runtime.KafkaOptions;
import io.dwb.runtime.KafkaUnreachable;
import io.dwb.runtime.Launcher;
import io.dwb.runtime.MetricsEndpoint;
import io.dwb.runtime.MetricsOption;
import io.dwb.runtime.OutOfMemoryExit;
import io.dwb.runtime.StopSignal;
import io.dwb.runtime.TopicCreationOptions;
import io.dwb.runtime.TopicPlan;
import io.dwb.runtime.TopicProblem;
import io.dwb.runtime.TopicProvisioner;
import io.dwb.runtime.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The {@code forwarder} command: Kafka topic to the Wazuh queue socket. */
@Command(name = "forwarder", sortOptions = false,
        description = "Delivers Docker engine events from Kafka to Wazuh: one datagram per event on the Wazuh queue "
                + "socket, as the docker-listener wodle sent them, at least once, paced, replayable. "
                + "See docs/forwarder.md.",
        showDefaultValues = true)
public final class ForwarderCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ForwarderCommand.class);

    /** The consumer group forwarders join unless --group says otherwise. */
    public static final String DEFAULT_GROUP = "wazuh-forwarder";
    /** How long one attempt to check or create the dead-letter topic may take; attempts repeat until Kafka answers. */

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--topic", paramLabel = "NAME", defaultValue = Topics.EVENTS,
            description = "Topic of engine events (env: DWB_TOPIC).")
    String topic;

    @Option(names = "--group", paramLabel = "ID", defaultValue = DEFAULT_GROUP,
            description = "Consumer group; forwarders of one group share the partitions (env: DWB_GROUP).")
    String group;

    @Option(names = "--instance-id", paramLabel = "ID",
            description = "This forwarder's static member id in the group, so a restart after a crash gets its "
                    + "partitions back at once (with group.protocol=consumer, once the dead process's session ends); "
                    + "two forwarders of one group must not share it (env: "
                    + "DWB_INSTANCE_ID). Default: the host name (the kernel's when it does not resolve; on a host named localhost, "
                    + "a hash keyed by /etc/machine-id) and a hash of the group and --wazuh-queue.")
    String instanceId;

    @Option(names = "--dlq-topic", paramLabel = "NAME", defaultValue = Topics.DLQ,
            description = "Dead-letter topic for records that cannot become alerts (env: DWB_DLQ_TOPIC).")
    String dlqTopic;

    @Mixin
    TopicCreationOptions topicCreation;

    @Option(names = "--dlq-partitions", paramLabel = "N", defaultValue = "" + TopicSpec.DEFAULT_DLQ_PARTITIONS,
            description = "Partitions of the dead-letter topic when the forwarder creates it "
                    + "(env: DWB_DLQ_PARTITIONS).")
    int dlqPartitions;

    @Option(names = TopicSpec.DLQ_RETENTION_OPTION, paramLabel = "DURATION",
            defaultValue = TopicSpec.DEFAULT_DLQ_RETENTION, converter = DurationArgument.Converter.class,
            description = "retention.ms of the dead-letter topic when the forwarder creates it; above 0, under 1h said "
                    + "(env: DWB_DLQ_RETENTION).")
    Duration dlqRetention;

    @Option(names = "--wazuh-queue", paramLabel = "PATH", defaultValue = DeliveryOptions.DEFAULT_WAZUH_QUEUE,
            description = DeliveryOptions.WAZUH_QUEUE_DESCRIPTION)
    String wazuhQueue;

    @Option(names = "--agent-map", paramLabel = "FILE",
            description = "On a Wazuh manager's queue: attribute each Docker host's alerts to its own Wazuh agent, "
                    + "from FILE's lines '<docker host name or engine id> <agent id> <agent name> <agent ip>'; "
                    + "hosts it does not name keep location Wazuh-Docker (env: DWB_AGENT_MAP). See docs/forwarder.md.")
    Path agentMap;

    @Option(names = "--agent-keys", paramLabel = "FILE",
            description = "On a Wazuh manager's queue: attribute the alerts of a Docker host whose name is a "
                    + "registered agent's name to that agent, from the manager's agent registry FILE "
                    + "(/var/ossec/etc/client.keys), read again when it changes; the keys are never logged "
                    + "(env: DWB_AGENT_KEYS).")
    Path agentKeys;

    @Option(names = "--agent-keys-names", paramLabel = "REGEX",
            description = "With --agent-keys: only agents whose whole name matches REGEX (a Java regular "
                    + "expression, e.g. 'docker-.*') may be given a Docker host's alerts. A record's host name is "
                    + "what its writer says: without it, anyone holding a listener's Kafka credentials can pin "
                    + "alerts on any registered agent. Default: every agent (env: DWB_AGENT_KEYS_NAMES).")
    String agentKeysNames;

    @Mixin
    DeliveryOptions delivery;

    @Option(names = "--from", paramLabel = "TIME", converter = TimeArgument.class,
            description = "Replay: deliver the events from TIME (RFC 3339 or epoch seconds) from every "
                    + "partition, marked replay, without committing; exit 0 when done, 1 when stopped before "
                    + "(env: DWB_FROM).")
    Long from;

    @Option(names = "--to", paramLabel = "TIME", converter = TimeArgument.class,
            description = "Replay: end of the window, exclusive (env: DWB_TO). Default: the end of the topic at "
                    + "start.")
    Long to;

    @Option(names = "--host", paramLabel = "NAME|ID", split = ",",
            description = "Replay: only the records of this Docker host, by its name (docker_host.name in the "
                    + "alerts) or its engine id; repeatable, or comma-separated (env: DWB_HOST). Default: every host.")
    List<String> hosts;

    @Mixin
    MetricsOption metrics;

    @Option(names = "--check", description = "Check the configuration, Kafka, the topics, the group, this "
            + "principal's permissions and Wazuh's queue socket, one line each on standard output, then exit: 0 when "
            + "all are ok, 1 otherwise. Joins no group, commits and sends nothing.")
    boolean check;

    /**
     * The threads whose OutOfMemoryError ends the forwarder (3): the delivery loop's, the sending thread, the
     * open-transaction watch (only when no thread can take its place: its own handler replaces it) and the metrics
     * server's dispatcher (/healthz). While
     * a poll of a record too large to read fills the heap, a library pool's worker may run out too (its pool replaces
     * it); Kafka's threads have handlers of their own ({@link io.dwb.runtime.KafkaClientThreads}).
     */
    static final Predicate<String> VITAL_THREADS = Set.of("main", SendingThread.NAME, OpenTransactionWatch.THREAD,
            "HTTP-Dispatcher")::contains;

    public static void main(String[] args) {
        OutOfMemoryExit.install(VITAL_THREADS);
        Launcher.run("forwarder", new ForwarderCommand(), args);
    }

    ForwarderSettings settings() {
        if (to != null && from == null) {
            throw new ConfigurationError("--to needs --from");
        }
        if (to != null && to <= from) {
            throw new ConfigurationError("--to must be after --from");
        }
        if (hosts != null && !hosts.isEmpty() && from == null) {
            throw new ConfigurationError("--host needs --from: it chooses the hosts a replay delivers");
        }
        if (hosts != null && hosts.stream().anyMatch(String::isBlank)) {
            throw new ConfigurationError("--host must name a host (its name or its engine id), not be empty");
        }
        if (from != null && from < 0) {
            // Kafka finds a replay's first offsets by time since the epoch: a --from 1900 (for "everything") failed
            // after the start with its own words, exit 1
            throw new ConfigurationError("--from must be 1970 or later (the topic's start: --from 0)");
        }
        if (topic.equals(dlqTopic)) {
            // Each dead letter was read back as the record it is, dead-lettered again, and so on for ever
            throw new ConfigurationError("--dlq-topic must not be the events topic " + topic);
        }
        Properties client = kafka.clientProperties();
        String fileInstanceId = fromFile(client, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (from == null) {
            sameAsOption(client, ConsumerConfig.GROUP_ID_CONFIG, group, "--group", "DWB_GROUP");
            if (instanceId != null) {
                sameAsOption(client, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId, "--instance-id",
                        "DWB_INSTANCE_ID");
            }
        }
        return delivery.settings(client, topic, group, dlqTopic, wazuhQueue, from, to,
                hosts == null ? Set.of() : Set.copyOf(hosts), metrics.unhealthyAfter(),
                instanceId != null ? instanceId : fileInstanceId);
    }

    /** A string property of the client file as Kafka reads it: trimmed. */
    private static String fromFile(Properties client, String property) {
        String value = client.getProperty(property);
        return value == null ? null : value.strip();
    }

    /**
     * The group (and static member id) are the options': a {@code group.id} in the client properties that says
     * otherwise was replaced without a word, and a second deployment that set its own there joined the first one's
     * group, each Wazuh getting part of the partitions.
     */
    private static void sameAsOption(Properties client, String property, String option, String name, String env) {
        String inFile = fromFile(client, property);
        if (inFile != null && !inFile.equals(option)) {
            throw new ConfigurationError(property + "=" + inFile + " in --kafka-config is not " + name + " " + option
                    + " (env: " + env + "), which the forwarder uses: give " + name + " " + inFile + ", or leave "
                    + property + " out of the file");
        }
    }

    /**
     * Who owns each host's alerts: {@link AlertOwners#NONE} unless {@code --agent-map} or {@code --agent-keys} is
     * given, which only a manager's queue honours (an agent forwards every event under its own id). Whose queue it is
     * comes from {@code wazuh}, the reading the pace and the gates are decided from.
     *
     * @throws ConfigurationError for standard output, an agent's queue, an ossec.conf readable but malformed, or a
     *                            file that cannot be read
     */
    AlertOwners owners(WazuhInstallation wazuh, long nowNanos) {
        if (agentKeysNames != null && agentKeys == null) {
            throw new ConfigurationError("--agent-keys-names needs --agent-keys");
        }
        if (agentMap == null && agentKeys == null) {
            return AlertOwners.NONE;
        }
        switch (wazuh.kind()) {
            case STANDARD_OUTPUT -> throw new ConfigurationError("--agent-map and --agent-keys need a Wazuh "
                    + "manager's queue socket, not standard output");
            case AGENT -> throw new ConfigurationError("--agent-map and --agent-keys need a Wazuh manager's queue "
                    + "socket, but " + wazuh.ossecConf() + " is an agent's (it has a <client> block): the agent would "
                    + "forward every alert under its own id, with the other agent's location inside its own");
            case MALFORMED -> throw new ConfigurationError(wazuh.problem()); // whose it is cannot be told
            default -> { } // a manager's; or no ossec.conf to tell by (not readable, none, no installation)
        }
        return AgentAttribution.load(agentMap, agentKeys, AgentAttribution.agentNames(agentKeysNames), nowNanos);
    }

    /** The dead-letter topic this forwarder writes to, as it creates it when missing. */
    TopicPlan deadLetterTopic() {
        return topicCreation.plan(List.of(TopicSpec.deadLetters(dlqTopic, dlqPartitions, dlqRetention)));
    }

    @Override
    public Integer call() throws Exception {
        ForwarderSettings settings = settings();
        KafkaClientConfig.requireServers(settings.kafka());
        TopicPlan deadLetterTopic = deadLetterTopic();
        AlertOwners owners = owners(settings.wazuh(), System.nanoTime());
        if (check) {
            System.out.println("ok    configuration: valid");
            return ForwarderPreflight.run(settings, deadLetterTopic, topicCreation, System.out);
        }
        // A signal before the forwarder runs cuts short the dead-letter topic's check, and is honoured once it runs.
        InterruptOnStop stopRequested = new InterruptOnStop();
        StopSignal signal = StopSignal.onStop(stopRequested::stop);
        Optional<List<TopicProblem>> saidAtStart = settings.replay() ? Optional.of(List.of())
                : ensureDeadLetterTopic(settings, deadLetterTopic, stopRequested);
        if (saidAtStart.isEmpty()) {
            log.info("stopped before Kafka answered: nothing was read, so nothing is committed");
            return Launcher.EXIT_OK;
        }
        try (Forwarder forwarder = new Forwarder(settings, owners, saidAtStart.get());
             MetricsEndpoint endpoint = MetricsEndpoint.start(metrics.binding(),
                     forwarder.metrics().registry(), forwarder.metrics().kafkaClients(), forwarder::healthy)) {
            // The loop commits what was delivered and returns; closing the consumer leaves the group, so its
            // partitions move at once; then call() returns 0.
            signal.then(() -> {
                log.info(settings.replay() ? "stopping the replay" : "stopping: committing what was delivered");
                forwarder.stop();
            });
            if (stopRequested.stopped()) {
                forwarder.stop();
            }
            log.info("forwarding {} (group {}) to {}{}", settings.topic(),
                    settings.replay() ? "none: replay" : settings.group(), settings.wazuhQueue(),
                    ", " + settings.pacing().reason() + (owners instanceof AgentAttribution attribution
                            ? "; alerts attributed to Wazuh agents: " + attribution.summary() : ""));
            try {
                forwarder.run();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (!settings.replay() || forwarder.metrics().consumedTotal() > 0) {
                    throw e;
                }
                // The replay's look at its window (partitions, offsets at --from, ends) is its reach of Kafka: said
                // as the live forwarder's is, not in Kafka's words alone ("Timeout expired while fetching topic
                // metadata").
                throw new IllegalStateException("cannot reach Kafka at " + settings.kafka().getProperty(
                        "bootstrap.servers") + " (no answer to the replay's look at topic " + settings.topic() + "): "
                        + e.getMessage(), e);
            } catch (UnsupportedVersionException e) {
                if (!UnofferedGroupProtocol.joinsByConsumerProtocol(settings)) {
                    throw e;
                }
                throw UnofferedGroupProtocol.error(kafka.configFile().path(), e);
            }
            // A script must not take a part for the whole: run the same replay again for the rest (what was sent is
            // sent again: a replay commits nothing).
            if (settings.replay() && forwarder.replayOutcome() == ReplayOutcome.STOPPED) {
                log.warn("replay stopped before the end of its window: {} alerts sent; run it again to deliver "
                        + "the whole window", forwarder.metrics().sentTotal());
                return Launcher.EXIT_FAILURE;
            }
            if (settings.replay() && forwarder.replayOutcome() == ReplayOutcome.HELD) {
                return Launcher.EXIT_FAILURE; // its end line said which records, and to run it again
            }
        }
        log.info("stopped");
        return Launcher.EXIT_OK;
    }

    /** Whether Kafka did not answer in time, rather than answered with a refusal. */
    private static boolean noAnswer(KafkaUnreachable e) {
        return e.getCause() instanceof java.util.concurrent.TimeoutException
                || e.getCause() instanceof ExecutionException x
                        && x.getCause() instanceof org.apache.kafka.common.errors.TimeoutException;
    }

    /**
     * Checks or creates the dead-letter topic before the first record can need it. Kafka not answering within the
     * consumer's {@code default.api.timeout.ms} is the same failure as for the events topic (README: exit 1 with
     * one {@code error:} line, as the listener does); a topic that cannot work ends the process too.
     *
     * @return the problems of its settings it said (warnings: a refusal is thrown), or none when a stop was requested
     *         while Kafka was being asked: the stop cuts the wait short (it lasted until the timeout, 60 s by default,
     *         as long as systemd waits for a stop)
     */
    private static Optional<List<TopicProblem>> ensureDeadLetterTopic(ForwarderSettings settings, TopicPlan plan,
                                                                     InterruptOnStop stop) {
        String servers = settings.kafka().getProperty("bootstrap.servers");
        Duration timeout = ClientTimeouts.apiTimeout(settings.kafka());
        Admin admin = TopicProvisioner.admin(settings.kafka(), timeout);
        try {
            return Optional.of(stop.during(() -> new TopicProvisioner(admin, servers, timeout).ensure(plan)));
        } catch (KafkaUnreachable e) {
            if (stop.stopped()) {
                return Optional.empty();
            }
            if (!noAnswer(e)) { // a refusal (an ACL, credentials) says itself: "no answer" would mislead
                throw new IllegalStateException(e.getMessage(), e);
            }
            throw new IllegalStateException("cannot reach Kafka at " + servers + " (no answer within "
                    + "default.api.timeout.ms, " + timeout.toMillis() + " ms): " + e.getMessage(), e);
        } finally {
            // After a stop, the calls still pending would hold the close until their timeout: dropped at once.
            admin.close(stop.stopped() ? Duration.ZERO : Duration.ofMillis(Long.MAX_VALUE));
        }
    }
}
