package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.TopicRole;
import io.dwb.runtime.TopicSpec;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * picocli mixin: how the forwarder delivers alerts to Wazuh, whatever topic it reads. Shared by the {@code
 * forwarder} and {@code standalone} commands, so each option, its default and its description exist once. The
 * destination ({@code --wazuh-queue}) is not here: its default differs between the two commands.
 */
public final class DeliveryOptions {
    /** Where a Wazuh agent or manager listens for events. */
    public static final String DEFAULT_WAZUH_QUEUE = "/var/ossec/queue/sockets/queue";
    /** Description of {@code --wazuh-queue}, which each command declares with its own default. */
    public static final String WAZUH_QUEUE_DESCRIPTION = "Wazuh queue socket (AF_UNIX datagram), or - for one "
            + "alert JSON a line on standard output (env: DWB_WAZUH_QUEUE).";
    /** The first wait after Wazuh refuses a datagram; it doubles up to --retry-max-delay. */
    static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(100);
    /**
     * Held records' bytes by default: with the dedup window, fetch buffers and the outbox, within the launcher's
     * 72 MB heap (a 2,000-record poll of 1 MiB events is not).
     */
    static final long DEFAULT_MAX_PENDING_BYTES = 16L * 1024 * 1024;
    /** Twice the largest record the topics take decompressed: one such record never waits for all to drain. */
    static final long MIN_MAX_PENDING_BYTES = 2L * TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES;

    @Option(names = "--legacy-fields", paramLabel = "auto|always|never", defaultValue = "auto",
            description = "Add status/id/from to container and image events for Wazuh rulesets before 4.14.4: "
                    + "auto = only when the event has none of them (Engine 29+), always = fill any missing one, "
                    + "never (env: DWB_LEGACY_FIELDS).")
    String legacyFields;

    @Option(names = "--labels", paramLabel = "all|none|KEY,...", defaultValue = "all",
            description = "Which container and image labels go into alerts, where each label key is a field of Wazuh "
                    + "and of its indexer (whose mapping takes 10,000 fields a day): all (as the stock wodle), none, "
                    + "or label keys, comma-separated, KEY* for every key starting with KEY. The attributes the "
                    + "engine sets itself for the event's type and action (name, image, a die's exitCode, ...) are "
                    + "always kept; any other key is a label (env: DWB_LABELS).")
    String labels;

    @Option(names = "--max-fields", paramLabel = "N", defaultValue = "" + FieldBudget.WAZUH_DEFAULT,
            description = "Fields of one alert at most: Wazuh's analysisd.decoder_order_size (256 unless the "
                    + "manager's local_internal_options.conf sets it, " + FieldBudget.WAZUH_MIN + " to "
                    + FieldBudget.WAZUH_MAX + "). The labels past it are left out and the alert marked truncated, "
                    + "where analysisd would drop them with an ERROR line each; an event over it without any label "
                    + "goes to the dead-letter topic (too-many-fields) (env: DWB_MAX_FIELDS).")
    int maxFields;

    // picocli formats descriptions (String.format): a lone % would be a format error, so it is written %%.
    @Option(names = "--eps", paramLabel = "N|auto", defaultValue = Pacing.AUTO,
            description = "At most N datagrams a second, without dropping; 0 = unpaced. auto: 90%% of the Wazuh "
                    + "agent's <client_buffer><events_per_second> (500 unless its ossec.conf says otherwise) when "
                    + "--wazuh-queue is an agent's <home>/queue/sockets/queue, which drops beyond it (5%% for a "
                    + "replay, which runs beside the live forwarder); a manager's: 1000 (250 for a replay), or 90%% "
                    + "of analysisd's <global><limits><eps><maximum> when lower, as analysisd drops what overflows "
                    + "its event queue; otherwise unpaced (env: DWB_EPS).")
    String eps;

    @Option(names = "--dedup-window", paramLabel = "N", defaultValue = "200000",
            description = "Event ids remembered, all hosts together (about 26 bytes each), to drop duplicates of "
                    + "the last N events delivered; 0 = off (env: DWB_DEDUP_WINDOW).")
    int dedupWindow;

    @Option(names = "--heartbeat-alerts", defaultValue = "false",
            description = "Also send every heartbeat to Wazuh as a docker_bridge alert; by default heartbeats only "
                    + "feed silent-host detection (env: DWB_HEARTBEAT_ALERTS).")
    boolean heartbeatAlerts;

    @Option(names = "--commit-interval", paramLabel = "DURATION", defaultValue = "1s",
            converter = DurationArgument.Converter.class,
            description = "Time between offset commits; what a crash can deliver twice (env: DWB_COMMIT_INTERVAL).")
    Duration commitInterval;

    @Option(names = "--retry-max-delay", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationArgument.Converter.class,
            description = "Longest wait between retries while Wazuh cannot take datagrams; waits start at 100ms "
                    + "and double (env: DWB_RETRY_MAX_DELAY).")
    Duration retryMaxDelay;

    @Option(names = "--max-pending", paramLabel = "N", defaultValue = "2000",
            description = "Records held in memory per partition before fetching pauses (env: DWB_MAX_PENDING).")
    int maxPending;

    @Option(names = "--max-pending-bytes", paramLabel = "BYTES", defaultValue = "" + DEFAULT_MAX_PENDING_BYTES,
            description = "Bytes of records held in memory, all partitions together, polls included (keys, values, "
                    + "headers and ~512 bytes a record): past it fetching pauses and what a poll brought beyond it "
                    + "is fetched again later; a larger record is taken alone; at least "
                    + MIN_MAX_PENDING_BYTES + ". Also sets the defaults of max.poll.records (this / 2 MiB), and of "
                    + "fetch.max.bytes (this / 4) and max.partition.fetch.bytes (this / 256), which bound what the "
                    + "consumer holds fetched (env: DWB_MAX_PENDING_BYTES).")
    long maxPendingBytes;

    @Option(names = "--max-live-age", paramLabel = "DURATION", defaultValue = "1h",
            converter = DurationArgument.Converter.class,
            description = "Where the group has no committed offset for a partition (a new group, or expired "
                    + "offsets), records older than this are skipped, with a log line and a history-skipped alert, "
                    + "instead of delivered as live alerts (replay them with --from 0 --to the cutoff the line "
                    + "gives); 0 = no limit, "
                    + "auto.offset.reset decides (env: DWB_MAX_LIVE_AGE).")
    Duration maxLiveAge;

    @Option(names = "--watch-handover", paramLabel = "DURATION", defaultValue = "2m",
            converter = DurationArgument.Converter.class,
            description = "How far before its previous owner's position a newly assigned partition is read again, "
                    + "for its hosts' heartbeats only (nothing is delivered again), so that a host silent or stopped "
                    + "just before a rebalance is still reported: four intervals of the listeners' heartbeats "
                    + "(default: four of the default 30s); 0 = off (env: DWB_WATCH_HANDOVER).")
    Duration watchHandover;

    /**
     * {@code --stalled-after}'s default: above every stall an ordinary listener makes. A listener's transaction lasts
     * its {@code --transaction-interval} (150 ms) and its commit, which waits at most {@code --kafka-timeout} (30 s,
     * its producer's {@code max.block.ms}); one that dies mid-transaction (power lost, killed) holds its partition's
     * stable end until the broker aborts it: the producer's {@code transaction.timeout.ms}, 60 s unless its Kafka
     * configuration sets more (TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS), plus the broker's next check
     * for expired transactions (every 10 s by default), about 70 s. Twice the listener's transaction timeout leaves
     * room for that and a slow broker, and still says within minutes that records wait behind a transaction nobody
     * ends (a writer that keeps one open, up to the broker's transaction.max.timeout.ms, 15 min, and opens the next).
     */
    static final String DEFAULT_STALLED_AFTER = "2m";

    @Option(names = "--stalled-after", paramLabel = "DURATION", defaultValue = DEFAULT_STALLED_AFTER,
            converter = DurationArgument.Converter.class,
            description = "How long a partition's stable end may stand still while records are written past it (a "
                    + "transaction left open, which holds them from this read_committed forwarder) before a WARN "
                    + "names the partition and dwb_forwarder_partitions_stalled counts it; keep it above the "
                    + "listeners' transaction.timeout.ms (60s by default), at least 1s (env: DWB_STALLED_AFTER).")
    Duration stalledAfter;

    @Option(names = "--topic-check-interval", paramLabel = "DURATION", defaultValue = "5m",
            converter = DurationArgument.Converter.class,
            description = "How often the settings of the events and dead-letter topics are read again (the first "
                    + "time at start): one that loses records (cleanup.policy=compact) is an ERROR line, one that "
                    + "makes them less safe or may stop writes (unclean.leader.election.enable=true, "
                    + "min.insync.replicas below 2 or above the replicas) a WARN, each once, and "
                    + "dwb_forwarder_topic_problem shows them; 0 = never, at least 1s "
                    + "otherwise (env: DWB_TOPIC_CHECK_INTERVAL).")
    Duration topicCheckInterval;

    @Option(names = "--resend-datagrams", paramLabel = "N", defaultValue = "" + ResendWindow.DEFAULT_DATAGRAMS,
            description = "After a Wazuh restart (its queue socket replaced), send the last N datagrams again: the "
                    + "old socket's unread queue (net.unix.max_dgram_qlen + 1 at most) is lost with it; 0 = off "
                    + "(env: DWB_RESEND_DATAGRAMS).")
    int resendDatagrams;

    @Option(names = "--resend-bytes", paramLabel = "BYTES", defaultValue = "" + ResendWindow.DEFAULT_BYTES,
            description = "At most this many bytes of those datagrams; keep it above the socket's send buffer "
                    + "(net.core.wmem_default) (env: DWB_RESEND_BYTES).")
    int resendBytes;

    @Option(names = "--sending-thread", defaultValue = "false",
            description = "Write datagrams on a thread of their own while the next records are fetched and "
                    + "formatted (offsets are still committed only for what was written). On the 2-core bench "
                    + "machine, shared with Kafka and the Wazuh reader: 1.17x of one thread in the last bench run "
                    + "(bench/RESULTS.md), no clear difference in the runs before (docs/benchmarks.md); for a "
                    + "forwarder with cores to spare (env: DWB_SENDING_THREAD).")
    boolean sendingThread;

    /**
     * {@code --wazuh-queue} names somewhere: empty (an environment file's {@code DWB_WAZUH_QUEUE=}), a forwarder ran
     * for ever and delivered nothing, paused on "Address cannot be empty".
     *
     * @throws ConfigurationError when it does not
     */
    public static void requireWazuhQueue(String wazuhQueue) {
        if (wazuhQueue.isBlank()) {
            throw new ConfigurationError("--wazuh-queue must be a socket path, or - for standard output, not empty "
                    + "(DWB_WAZUH_QUEUE set to nothing?)");
        }
    }

    private static void require(boolean holds, String option, String rule, Object given) {
        if (!holds) {
            throw new ConfigurationError(option + " must be " + rule + ", not " + given);
        }
    }

    /**
     * The validated settings of a forwarder reading {@code topic}.
     *
     * @throws ConfigurationError naming the option whose value cannot work
     */
    public ForwarderSettings settings(Properties kafka, String topic, String group, String dlqTopic,
                                      String wazuhQueue, Long fromNanos, Long toNanos, Set<String> replayHosts,
                                      Duration unhealthyAfter, String instanceId) {
        requireWazuhQueue(wazuhQueue);
        TopicSpec.requireName(TopicRole.EVENTS, topic);
        TopicSpec.requireName(TopicRole.DEAD_LETTERS, dlqTopic);
        require(!group.isBlank(), "--group", "a consumer group id", "empty");
        // One message an option, naming it: all eleven rules in one line left the reader to find which was broken.
        require(dedupWindow >= 0 && dedupWindow <= DuplicateWindow.MAX_CAPACITY, "--dedup-window",
                "0 to " + DuplicateWindow.MAX_CAPACITY, dedupWindow);
        require(maxPending >= 1, "--max-pending", "at least 1", maxPending);
        require(maxPendingBytes >= MIN_MAX_PENDING_BYTES, "--max-pending-bytes", "at least " + MIN_MAX_PENDING_BYTES,
                maxPendingBytes);
        require(commitInterval.toMillis() >= 1, "--commit-interval", "at least 1ms",
                DurationArgument.text(commitInterval));
        require(retryMaxDelay.compareTo(FIRST_RETRY_DELAY) >= 0, "--retry-max-delay",
                "at least " + DurationArgument.text(FIRST_RETRY_DELAY), DurationArgument.text(retryMaxDelay));
        require(!maxLiveAge.isNegative(), "--max-live-age", "0 or more", DurationArgument.text(maxLiveAge));
        require(!watchHandover.isNegative(), "--watch-handover", "0 or more", DurationArgument.text(watchHandover));
        require(stalledAfter.compareTo(Duration.ofSeconds(1)) >= 0, "--stalled-after", "at least 1s",
                DurationArgument.text(stalledAfter));
        require(topicCheckInterval.isZero() || topicCheckInterval.compareTo(Duration.ofSeconds(1)) >= 0,
                "--topic-check-interval", "0 (never) or at least 1s", DurationArgument.text(topicCheckInterval));
        require(resendDatagrams >= 0, "--resend-datagrams", "0 or more", resendDatagrams);
        require(resendBytes >= 0, "--resend-bytes", "0 or more", resendBytes);
        require(maxFields >= FieldBudget.WAZUH_MIN && maxFields <= FieldBudget.WAZUH_MAX, "--max-fields",
                FieldBudget.WAZUH_MIN + " to " + FieldBudget.WAZUH_MAX, maxFields);
        // Read once, here: --eps auto's pace and the forwarder's gates are decided from this one reading.
        WazuhInstallation wazuh = WazuhInstallationReader.read(wazuhQueue);
        return new ForwarderSettings(kafka, topic, group, dlqTopic, wazuhQueue, wazuh, legacyFieldsMode(),
                labelFilter(), new FieldBudget(maxFields), pacing(wazuh, fromNanos != null),
                dedupWindow, heartbeatAlerts, fromNanos, toNanos, replayHosts, unhealthyAfter, commitInterval,
                retryMaxDelay,
                maxPending, maxPendingBytes, maxLiveAge, watchHandover, stalledAfter, topicCheckInterval,
                InstanceId.resolve(instanceId, group, wazuhQueue),
                new ResendWindow.Bound(resendDatagrams, resendBytes), sendingThread);
    }

    /** {@code --eps}: a number, or auto's from the Wazuh installation {@code wazuh} (a replay's share). */
    private Pacing pacing(WazuhInstallation wazuh, boolean replay) {
        if (eps.strip().equalsIgnoreCase(Pacing.AUTO)) {
            return Pacing.auto(wazuh, replay);
        }
        try {
            int n = Integer.parseInt(eps.strip());
            if (n >= 0) {
                return Pacing.given(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigurationError("--eps must be auto or a number >= 0, not '" + eps + "'");
    }

    private LabelFilter labelFilter() {
        try {
            return LabelFilter.parse(labels);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError("--labels must be all, none or comma-separated label keys: " + e.getMessage());
        }
    }

    private LegacyFieldsMode legacyFieldsMode() {
        try {
            return LegacyFieldsMode.valueOf(legacyFields.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationError("--legacy-fields must be auto, always or never, not '" + legacyFields + "'");
        }
    }
}
