package io.dwb.forwarder;

import io.dwb.runtime.KafkaClientConfig;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.runtime.TopicProblem;
import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.ContractSchemas;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarder, wired from its settings: consumer, pipeline, outbox and sink, dead-letter producer, delivery
 * loop.
 */
public final class Forwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
    /**
     * How long closing the consumer may take (leaving the group, with its revocation's commit, {@link
     * DeliveryLoop#COMMIT_WAIT}): Kafka's 30 s, after the last commit's wait, made a stop while Kafka was away outlast
     * systemd's TimeoutStopSec (60 s). The group drops a member that did not leave after its session timeout.
     */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    /**
     * The consumer's {@code metadata.max.age.ms} unless the client properties set it (Kafka's default: 5 minutes):
     * partitions added to the events topic are seen within it.
     */
    static final Duration METADATA_MAX_AGE = Duration.ofSeconds(30);

    private final ForwarderSettings settings;
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final DeadLetterQueue deadLetters;
    /** Live only: what the delivery consumer's lag cannot see (null in a replay). */
    private final OpenTransactionWatch openTransactions;
    /** Unless --topic-check-interval 0: the settings of the events and dead-letter topics (null then). */
    private final TopicSettingsWatch topicSettings;
    private final AlertSink sink;
    private final Outbox outbox;
    private final DeliveryLoop loop;

    public Forwarder(ForwarderSettings settings) {
        this(settings, AlertOwners.NONE);
    }

    /** @param owners which Wazuh agent owns each host's alerts (none: every alert as the seed's wodle sent it) */
    public Forwarder(ForwarderSettings settings, AlertOwners owners) {
        this(settings, owners, List.of());
    }

    /**
     * @param owners      as above
     * @param saidAtStart the problems of the dead-letter topic's settings the start's check of it said already
     *                    (the settings watch's first reading does not say them again)
     */
    public Forwarder(ForwarderSettings settings, AlertOwners owners, List<TopicProblem> saidAtStart) {
        this.settings = settings;
        LongSupplier nanoClock = System::nanoTime;
        WazuhHeld held = new WazuhHeld(); // what the gates read Wazuh holds: a restart's resend
        this.sink = settings.wazuhQueue().equals("-")
                ? new StandardOutputSink(new FileOutputStream(FileDescriptor.out), StandardOutputSink.isPipe(),
                        this::stop)
                : AnalysisdStateGate.around(AgentStateGate.around(new WazuhQueue(Path.of(settings.wazuhQueue()),
                        new ResendWindow(settings.resend(), held), metrics::resent, metrics::resendRefused,
                        nanoClock), settings.wazuh(), held, nanoClock, System::currentTimeMillis),
                        settings.wazuh(), metrics::wazuhDropped, held, nanoClock, System::currentTimeMillis);
        PollBudget budget = new PollBudget(settings.maxPendingBytes());
        warnOfIgnoredSettings(settings.kafka());
        Properties consumerProperties = consumerProperties(settings);
        // Each consumer after the first (StaticRejoin's) gets a client id of its own: made while the refused one is
        // still open, one id shared made Kafka log a stack trace for its JMX names at each try, and the refused one's
        // close took the live one's JMX names with it
        java.util.concurrent.atomic.AtomicInteger made = new java.util.concurrent.atomic.AtomicInteger();
        Supplier<Consumer<byte[], byte[]>> consumers = () -> new KafkaConsumer<>(rejoinClientId(consumerProperties,
                made.getAndIncrement()), budget.keys(), budget.values());
        Consumer<byte[], byte[]> consumer = consumers.get();
        this.deadLetters = settings.replay() ? null : new DeadLetterQueue(settings.dlqTopic(), settings.kafka(),
                System::currentTimeMillis);
        if (deadLetters != null) {
            metrics.kafkaClient(ForwarderMetrics.KAFKA_DEAD_LETTERS, deadLetters::kafkaMetrics);
        }
        AlertPipeline.Mode mode = settings.replay() ? new AlertPipeline.Mode.Replay()
                : new AlertPipeline.Mode.Live(deadLetters, new SilentHostWatch(metadataMaxAge(consumerProperties)));
        DatagramWriter writer = new DatagramWriter(sink, mode, metrics, System::currentTimeMillis);
        this.outbox = settings.sendingThread() ? SendingThread.start(writer) : new DirectOutbox(writer);
        AlertPipeline pipeline = new AlertPipeline(new RecordClassifier(new ContractSchemas()),
                new LegacyFields(settings.legacyFields()), settings.labels(), settings.fields(),
                new AlertFormatter(owners),
                new DuplicateWindow(settings.dedupWindow()), outbox, new Pacer(settings.eps(), nanoClock), mode,
                metrics, settings.heartbeatAlerts(), nanoClock);
        maxPollRecordsWarning(settings).ifPresent(log::warn);
        if (settings.pacing().assumption() != null) { // said here, as delivery starts, not while options are parsed
            log.warn("{}", settings.pacing().assumption());
        }
        OffsetReset reset = offsetReset(settings);
        if (!reset.appliedHere() && !settings.replay()) {
            log.info("auto.offset.reset is left to the consumer: records Kafka deletes before they are delivered are "
                    + "passed over without a report (earliest or latest would report them)");
        }
        this.openTransactions = settings.replay() ? null : OpenTransactionWatch.start(settings.kafka(), nanoClock,
                settings.stalledAfter(), metrics);
        this.topicSettings = settings.topicCheckInterval().isZero() ? null
                : TopicSettingsWatch.start(settings.kafka(), settings.topic(),
                        settings.replay() ? null : settings.dlqTopic(), settings.topicCheckInterval(), metrics,
                        saidAtStart);
        Feed feed = settings.replay()
                ? new Feed.Replay(new ReplayWindow(settings.topic(), settings.fromNanos(), settings.toNanos(),
                        settings.replayHosts(), WrittenEnds.admin(settings.kafka()),
                        TopicRetention.Reader.admin(settings.kafka()), System::currentTimeMillis))
                : new Feed.Live(settings.topic(),
                        new LiveStart(settings.maxLiveAge(), System::currentTimeMillis, reset,
                                new WatchHandover(settings.watchHandover(), System::currentTimeMillis)),
                        openTransactions,
                        new StaticRejoin(settings.group(), settings.instanceId(), consumers, nanoClock));
        this.loop = new DeliveryLoop(consumer, pipeline, metrics, feed, settings.commitInterval(),
                settings.maxPending(), budget, settings.retryMaxDelay(), settings.unhealthyAfter(),
                metadataMaxAge(consumerProperties),
                new UnreadableRecordSearch(() -> new KafkaConsumer<>(searchProperties(settings),
                        new ByteArrayDeserializer(), new ByteArrayDeserializer()), pollRecords(settings)),
                // The open-transaction watch takes another admin client when its thread dies: not watched here.
                KafkaClientThreads.named(settings.replay() ? Set.of()
                        : Set.of(KafkaClientThreads.producer(deadLetters.clientId()))),
                nanoClock);
        // The loop's consumer: another after the group refused the first one's instance id (StaticRejoin).
        metrics.kafkaClient(ForwarderMetrics.KAFKA_CONSUMER, () -> loop.consumer().metrics());
    }

    /**
     * The consumer of {@link UnreadableRecordSearch}: the delivery consumer's settings, without its group, one
     * record a poll.
     */
    static Properties searchProperties(ForwarderSettings settings) {
        Properties p = consumerProperties(settings);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        p.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        p.remove(ConsumerConfig.GROUP_REMOTE_ASSIGNOR_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG) + "-search");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        return p;
    }

    /** The delivery consumer's {@code max.poll.records}: the most one poll reads of a partition. */
    private static int pollRecords(ForwarderSettings settings) {
        return Integer.parseInt(consumerProperties(settings).getProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG)
                .strip());
    }

    /**
     * {@code consumerProperties} for the {@code n}th consumer of the delivery loop: the first as they are, each later
     * one ({@link StaticRejoin}) with {@code -rejoin-<n>} after its client id.
     */
    static Properties rejoinClientId(Properties consumerProperties, int n) {
        if (n == 0) {
            return consumerProperties;
        }
        Properties p = new Properties();
        p.putAll(consumerProperties);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, consumerProperties.getProperty(ConsumerConfig.CLIENT_ID_CONFIG)
                + "-rejoin-" + n);
        return p;
    }

    /**
     * The consumer's {@code metadata.max.age.ms}, as Kafka reads it (a number or its text; set by
     * {@link #consumerProperties} unless the client properties do).
     */
    static Duration metadataMaxAge(Properties consumerProperties) {
        Object value = consumerProperties.get(ConsumerConfig.METADATA_MAX_AGE_CONFIG);
        return value == null ? METADATA_MAX_AGE : Duration.ofMillis((Long) ConfigDef.parseType(
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, value, ConfigDef.Type.LONG));
    }

    /** What the consumer and the dead-letter producer replace, and the values they keep. */
    private static final List<Map.Entry<String, Set<String>>> REPLACED = List.of(
            Map.entry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, Set.of("read_committed")),
            Map.entry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Set.of("false")),
            Map.entry(ProducerConfig.ACKS_CONFIG, Set.of("all", "-1")),
            Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Set.of("true")));

    /**
     * Says the settings of the Kafka client configuration the consumer replaces: {@code isolation.level}
     * (aborted transactions' records must never reach Wazuh) and {@code enable.auto.commit} (offsets are committed
     * once delivered), and the dead-letter producer's {@code acks} and {@code enable.idempotence}; they were replaced
     * without a word.
     */
    static void warnOfIgnoredSettings(Properties clientConfig) {
        List<String> replaced = KafkaClientConfig.replacedSettings(clientConfig, REPLACED);
        if (!replaced.isEmpty()) {
            log.warn("the Kafka client configuration sets {}: ignored, the forwarder reads committed records only (an "
                    + "aborted transaction's never reach Wazuh), commits offsets once their alerts are delivered, and "
                    + "writes dead letters idempotent with acks=all", String.join(", ", replaced));
        }
    }

    static Properties consumerProperties(ForwarderSettings settings) {
        Properties p = KafkaClientConfig.with(settings.kafka(), new Properties());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, LookupAdmins.DEFAULT_CLIENT_ID);
        // The forwarder applies auto.offset.reset itself (OffsetReset: earliest unless set), so that it sees the
        // consumer leave records Kafka deleted before their delivery, which the consumer's own reset did silently.
        // A replay always: it goes on from the first record kept, whatever the live forwarders' file sets (with
        // by_duration the consumer jumped past the window's records still kept, or its position was never found).
        if (settings.replay() || offsetReset(settings).appliedHere()) {
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        }
        p.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords(settings)));
        // What the consumer fetched waits in it, out of PollBudget's sight, until polls take it: bounded too.
        p.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(fetchMaxBytes(settings)));
        p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                String.valueOf(maxPartitionFetchBytes(settings)));
        // The listener writes in transactions: aborted ones must never reach Wazuh.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // The listener creates the events topic as a fleet needs it (12 partitions, its settings). A forwarder
        // started first on a cluster that creates topics on first use made it with the broker's defaults (one
        // partition: one forwarder of the group for the whole fleet); it now waits for the topic instead.
        p.putIfAbsent(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Metadata every 30 s (Kafka's default: 5 min): a consumer that fetches nothing hears Kafka at least that
        // often, which is what says it is reachable (DeliveryLoop.kafkaAnswered; a replay has no group heartbeats).
        p.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, String.valueOf(METADATA_MAX_AGE.toMillis()));
        if (settings.replay()) {
            p.remove(ConsumerConfig.GROUP_ID_CONFIG); // a replay must not move any group's offsets
        } else {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group());
            // Static membership: a restart after SIGKILL takes the partitions back at once (docs/forwarder.md).
            p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId());
            // The same 30 s: partitions added to the events topic are seen that soon, their records delivered that
            // much sooner, and the silent-host watch forgets the hosts that moved before any of them looks silent in
            // its old partition, as long as three of their heartbeat intervals exceed 30 s (90 s by default).
            cooperativeUnlessChosen(p);
        }
        return p;
    }

    /**
     * Incremental cooperative rebalancing, unless the client properties choose the assignors or the group protocol
     * of KIP-848 ({@code group.protocol=consumer}, whose assignors run on the broker and which refuses the setting).
     * Kafka's default list, [RangeAssignor, CooperativeStickyAssignor], makes the group eager: each forwarder
     * started or stopped took every partition from every forwarder of the group, which committed, forgot the hosts
     * it watched and was given back mostly the same partitions. With only the cooperative assignor, a rebalance
     * takes from a forwarder just the partitions that move. A group of forwarders of both kinds agrees on it too
     * (docs/forwarder.md, "Rebalances move only the partitions that change hands").
     */
    private static void cooperativeUnlessChosen(Properties p) {
        if (UnofferedGroupProtocol.configured(p) != GroupProtocol.CONSUMER) { // the broker assigns under it
            p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    CooperativeStickyAssignor.class.getName());
        }
    }

    /** The {@code auto.offset.reset} of the Kafka client properties, which the forwarder applies itself. */
    static OffsetReset offsetReset(ForwarderSettings settings) {
        return OffsetReset.of(KafkaClientConfig.with(settings.kafka(), new Properties())
                .getProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
    }

    /**
     * The default {@code max.poll.records}: as many records of the topics' largest decompressed size as {@code
     * --max-pending-bytes} holds (8 by default). The consumer calls no deserializer for a record with neither key nor
     * value, so {@link PollBudget} never sees one during a poll: only the count bounds them, and 120 such records of
     * headers alone, 1.5 MB each (a few kilobytes compressed, from any writer of the topic), ran the 72 MB heap out
     * in one poll of 2,000, at the same offset after each restart. (Larger polls returned a whole fetch at once, so
     * that the next fetch travelled while these were delivered; paired bench runs measured about a tenth more CPU a
     * record with 8, within their noise.)
     */
    static int maxPollRecords(ForwarderSettings settings) {
        return (int) Math.min(Integer.MAX_VALUE,
                Math.max(1, settings.maxPendingBytes() / TopicSpec.MAX_DECOMPRESSED_RECORD_BYTES));
    }

    /**
     * The default {@code fetch.max.bytes}: a quarter of {@code --max-pending-bytes} (4 MiB by default), the most one
     * fetch response from a broker brings (compressed), unless its first batch is larger (Kafka then sends that batch
     * alone). The consumer reads a response into one buffer and holds it until every partition's part of it is
     * polled; with Kafka's 50 MiB (1 MiB a partition) a forwarder assigned 48 partitions with a backlog (a Wazuh
     * outage, or the survivor of a scale-in) asked for one buffer of 48 MiB, larger than either generation of its
     * 72 MB heap (32 MB each), and exited on OutOfMemoryError before its first datagram, at the same offsets after
     * each restart (32 partitions too; 24 after a few datagrams: {@code FetchMemoryTest}, docs/forwarder.md).
     */
    static int fetchMaxBytes(ForwarderSettings settings) {
        return (int) Math.min(Integer.MAX_VALUE, PollBudget.fetchBytes(settings.maxPendingBytes()));
    }

    /**
     * The default {@code max.partition.fetch.bytes}: a 256th of {@code --max-pending-bytes} (64 KiB by default), so
     * that the responses of every broker leading some of up to 64 partitions bring together no more than one response
     * of {@link #fetchMaxBytes}: each leader sends its own, and the consumer keeps each until its partitions' parts are
     * polled. At Kafka's 1 MiB, each response was the whole 4 MiB, one a leader: 48 MiB on a shared cluster of a dozen
     * brokers ({@code FetchBuffersClusterTest}). A partition's first batch still comes whole when it is larger.
     */
    static int maxPartitionFetchBytes(ForwarderSettings settings) {
        return (int) Math.min(Integer.MAX_VALUE, settings.maxPendingBytes() / 256);
    }

    /** What to say when {@code --kafka-config} raises {@code max.poll.records} past {@link #maxPollRecords}. */
    static Optional<String> maxPollRecordsWarning(ForwarderSettings settings) {
        String given = KafkaClientConfig.with(settings.kafka(), new Properties())
                .getProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        int bound = maxPollRecords(settings);
        try {
            if (given == null || Integer.parseInt(given.strip()) <= bound) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            return Optional.empty(); // the consumer refuses it with its own error
        }
        return Optional.of("max.poll.records " + given.strip() + " in the Kafka client properties lets one poll take "
                + "that many records of headers alone (up to 2 MiB each; no deserializer sees them, so "
                + "--max-pending-bytes does not bound them): " + bound + " or fewer keeps them within it "
                + "(docs/forwarder.md)");
    }

    /**
     * Blocks until {@link #stop()} (live), or until the replay window is delivered.
     *
     * @throws IllegalStateException when Kafka does not answer at start (the process exits 1); once running, an
     *                               unreachable Kafka is waited for (and /healthz turns 503 after the bound)
     */
    public void run() {
        if (!settings.replay()) {
            reachKafka();
        }
        try {
            loop.run();
        } catch (FencedInstanceIdException e) {
            throw new IllegalStateException("fenced: another forwarder joined group " + settings.group()
                    + " with the same instance id " + settings.instanceId() + "; give each forwarder its own "
                    + "--instance-id", e);
        }
    }

    private void reachKafka() {
        try {
            // Bounded by the consumer's default.api.timeout.ms.
            List<PartitionInfo> partitions = loop.consumer().partitionsFor(settings.topic());
            if (partitions == null || partitions.isEmpty()) {
                // Else the only sign is the Kafka client's UNKNOWN_TOPIC_OR_PARTITION warnings.
                log.warn("topic {} does not exist yet: waiting for a listener to create it (a forwarder does not "
                        + "create it, which would give it the broker's defaults: one partition for the whole "
                        + "fleet)", settings.topic());
            }
        } catch (WakeupException e) {
            // stop() came first (a SIGTERM just after start): the loop sees it is not running and returns
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + settings.kafka().getProperty(
                    CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) + " (no answer within default.api.timeout.ms, "
                    + settings.kafka().getProperty(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000") + " ms)", e);
        }
    }

    /** Thread-safe: the running {@link #run()} commits what was delivered and returns. */
    public void stop() {
        loop.stop();
    }

    /** Whether it stopped because standard output ({@code --wazuh-queue -}) was closed: its reader went away. */
    public boolean outputClosed() {
        return sink instanceof StandardOutputSink out && out.closed();
    }

    /** A replay only: how it ended. */
    public ReplayOutcome replayOutcome() {
        return loop.replayOutcome();
    }

    public boolean healthy() {
        return loop.healthy();
    }

    public ForwarderMetrics metrics() {
        return metrics;
    }

    public ForwarderSettings settings() {
        return settings;
    }

    @Override
    public void close() throws Exception {
        try (AlertSink s = sink; AutoCloseable watch = openTransactions == null ? () -> { } : openTransactions;
             AutoCloseable settingsWatch = topicSettings == null ? () -> { } : topicSettings) {
            outbox.close(); // after the loop's last commit; what it did not write was not committed
            // A static member does not leave the group on close unless asked: leave, so that a forwarder stopped
            // for good hands its partitions to the others at once, as a dynamic member did.
            loop.consumer().close(CloseOptions.groupMembershipOperation(settings.replay()
                    ? CloseOptions.GroupMembershipOperation.DEFAULT : CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(CLOSE_WAIT));
            if (deadLetters != null) {
                deadLetters.close();
            }
        }
    }
}
