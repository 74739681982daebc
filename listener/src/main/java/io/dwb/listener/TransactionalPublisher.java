package io.dwb.listener;

import io.dwb.runtime.Causes;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.KafkaClientConfig;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.HostPartition;
import io.dwb.schemas.StandIn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional producer: records are {@link #send sent} as they come, in a transaction begun by the first one,
 * and {@link #commit} ends it with the checkpoint that covers them, so a reader with read_committed sees both or
 * neither. Sending as they come lets the producer ship batches while the interval runs: the commit then waits only
 * for the tail and the transaction marker. When Kafka says this producer lost its epoch, there are two causes
 * with the same exceptions: the broker aborted a transaction open longer than {@code transaction.timeout.ms} (the
 * process was paused, or stalled) and bumped the epoch, which is {@link TransactionTimedOut}; or a newer producer
 * with the same transactional id took over, or the coordinator aborted a younger one by a clock ahead, which is
 * {@link EpochRefused}. They are told apart by the transaction's age: a transaction older than the timeout was
 * aborted by it. If a listener of this engine also started meanwhile, the new producer the caller builds fences that
 * one in turn, so one listener remains either way and nothing is published twice. A producer fenced as it starts is
 * {@link Fenced}. Any other failure is {@link KafkaUnavailable}. On KafkaUnavailable (its TransactionTimedOut and
 * EpochRefused included) the caller rebuilds the producer and resumes from the committed checkpoint.
 */
public final class TransactionalPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalPublisher.class);

    /** The producer's {@code batch.size} unless the Kafka configuration file gives one. */
    public static final int BATCH_BYTES = 128 * 1024;

    /**
     * The producer's {@code transaction.timeout.ms} when the Kafka configuration file gives none: Kafka's producer
     * default, which the listener asks for until the brokers refuse it ({@link TransactionTimeout}).
     */
    static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;

    /**
     * What the producer and the checkpoint lookups replace, and the values they keep: exactly-once's, and the lookups'
     * own reading (none kept: any value is theirs to choose).
     */
    private static final List<Map.Entry<String, Set<String>>> REPLACED = List.of(
            Map.entry(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Set.of()),
            Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Set.of("true")),
            Map.entry(ProducerConfig.ACKS_CONFIG, Set.of("all", "-1")),
            Map.entry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, Set.of()),
            Map.entry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Set.of()));

    /** What an {@link EpochRefused} leads to, said at the end of either. */
    private static final String NEW_PRODUCER = "; starting a new producer, which publishes again what was read (if "
            + "another listener took over, one of the two exits at the next refusal)";

    /**
     * Settings of the Kafka configuration file the producer ignores: a host's records go to the partition of its key,
     * as Kafka's default partitioner puts them ({@link HostPartition}): where the checkpoint lookup reads, and by which
     * the forwarders' silent-host watch tells which hosts moved when partitions were added.
     */
    static final List<String> KEY_PLACEMENT = List.of(ProducerConfig.PARTITIONER_CLASS_CONFIG,
            ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG);

    private final Producer<byte[], byte[]> producer;
    private final TopicRecords records;
    private final LongSupplier nanoClock;
    private final LongSupplier wallNanos;
    private final long transactionTimeoutNanos;
    /** Records in the open transaction; 0 when none is open. */
    private int sent;
    /** nanoClock when the open transaction began. */
    private long openedNanos;
    /** wallNanos when the open transaction began. */
    private long openedWallNanos;
    /**
     * nanoClock when Kafka last acknowledged a record (set on the producer's network thread, which acknowledges every
     * record of a transaction before it ends it): where a commit's wait for its records ends.
     */
    private final AtomicLong lastAckNanos = new AtomicLong();
    /** Records of the open transaction the broker acknowledged (counted on the producer's network thread). */
    private final AtomicInteger acknowledgedCount = new AtomicInteger();
    private final Callback acknowledged;
    private final Runnable committed;

    /** With one clock for both (a test's fake clock). */
    TransactionalPublisher(Producer<byte[], byte[]> producer, TopicRecords records, LongSupplier nanoClock,
                           long transactionTimeoutMs) {
        this(producer, records, nanoClock, nanoClock, transactionTimeoutMs);
    }

    /**
     * @param producer  from {@link #producers} (Kafka's MockProducer in unit tests): this closes it
     * @param nanoClock monotonic nanoseconds (System::nanoTime), for the open transaction's age and a
     *                  commit's steps
     * @param wallNanos the wall clock in nanoseconds, for the open transaction's age too: the monotonic clock stops
     *                  while the host is suspended, the broker's does not
     */
    TransactionalPublisher(Producer<byte[], byte[]> producer, TopicRecords records, LongSupplier nanoClock,
                           LongSupplier wallNanos, long transactionTimeoutMs) {
        this(producer, records, nanoClock, wallNanos, transactionTimeoutMs, () -> { });
    }

    /** @param committed told of each transaction Kafka committed (the end of an outage) */
    TransactionalPublisher(Producer<byte[], byte[]> producer, TopicRecords records, LongSupplier nanoClock,
                           LongSupplier wallNanos, long transactionTimeoutMs, Runnable committed) {
        this.producer = producer;
        this.committed = committed;
        this.records = records;
        this.nanoClock = nanoClock;
        this.wallNanos = wallNanos;
        this.transactionTimeoutNanos = Duration.ofMillis(transactionTimeoutMs).toNanos();
        this.acknowledged = (metadata, exception) -> {
            lastAckNanos.set(nanoClock.getAsLong());
            if (exception == null) {
                acknowledgedCount.incrementAndGet();
            }
        };
    }

    /**
     * Builds a host's transactional producer from the Kafka client properties ({@link #producer}; Kafka's
     * MockProducer in a test of the loop's handling of a refusal). Each is taken through {@link
     * TransactionalProducers}.
     */
    @FunctionalInterface
    interface ProducerSource {
        Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host);
    }

    /** The host's transactional producer, with the listener's settings where the user's Kafka file gives none. */
    static Producer<byte[], byte[]> producer(Properties clientConfig, HostIdentity host) {
        try {
            return new KafkaProducer<>(producerConfig(clientConfig, host.transactionalId()));
        } catch (KafkaException e) {
            if (!ConfigurationError.refusedByKafka(e)) {
                // A server name that does not resolve (yet, or any more): waited for as Kafka unavailable.
                throw new KafkaUnavailable("cannot build a Kafka producer: " + e.getMessage(), e);
            }
            throw new ConfigurationError("bad Kafka producer configuration: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The producer's configuration: the user's Kafka client properties, the listener's settings where they give
     * none, and what exactly-once and the records' placement by key ({@link #KEY_PLACEMENT}) need whatever they
     * give. Public for the bench's floor, which measures Kafka's producer alone with these settings.
     */
    public static Properties producerConfig(Properties clientConfig, String transactionalId) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        KEY_PLACEMENT.forEach(p::remove);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        // 128 KiB instead of 16 KiB: one partition takes one batch per produce request, and at most five requests
        // are in flight, so 16 KiB batches cap a burst at a few hundred events per round trip (the capture bench
        // measured 11-15k events/s with 16 KiB, 19-28k with 128 KiB, nothing more with 512 KiB).
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES));
        // 8 MB instead of Kafka's 32 MB: a full transaction (5,000 events) is about 3 MB, and the listener runs in a
        // small heap on every host. A user's Kafka configuration file still wins.
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, "8388608");
        // retry.backoff.ms stays Kafka's (100 ms): the producer retries its transaction requests (InitProducerId,
        // EndTxn: a coordinator loading or moved, a transaction still completing) after exactly that wait, without
        // growing. At 10 ms, which spared 90 ms of each start, every listener whose coordinator moved (a broker's
        // rolling restart) asked it 100 times a second while it loaded.
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /**
     * Says which settings of the Kafka configuration file the producer ignores: the records' placement ({@link
     * #KEY_PLACEMENT}), and what exactly-once needs ({@code transactional.id}, {@code enable.idempotence},
     * {@code acks}), which were replaced without a word.
     */
    static void warnOfIgnoredSettings(Properties clientConfig) {
        for (String setting : KEY_PLACEMENT) {
            String value = clientConfig.getProperty(setting);
            if (value != null && !(setting.equals(ProducerConfig.PARTITIONER_IGNORE_KEYS_CONFIG)
                    && value.strip().equalsIgnoreCase("false"))) {
                log.warn("the Kafka client configuration sets {}={}: ignored, the listener puts each host's records "
                        + "in the partition of its key (murmur2), where its checkpoint is looked up at start and "
                        + "where the forwarders expect them", setting, value);
            }
        }
        List<String> replaced = KafkaClientConfig.replacedSettings(clientConfig, REPLACED);
        if (!replaced.isEmpty()) {
            log.warn("the Kafka client configuration sets {}: ignored, the listener publishes in transactions, "
                    + "idempotent, acks=all, as docker-listener-<host id>, and its checkpoint lookups read as each "
                    + "needs, committing nothing (what resuming exactly where it stopped needs)",
                    String.join(", ", replaced));
        }
    }

    /** Room in a record for its key, headers and batch framing around the event's bytes. */
    private static final int RECORD_ROOM_BYTES = 16 * 1024;

    /**
     * The longest event value to publish as it is: what the producer can send (its {@code max.request.size},
     * Kafka's default 1 MiB or the user's, less room for the record's key, headers and batch framing), and never
     * more than the contract's {@link StandIn#MAX_VALUE_BYTES}, which the forwarder would dead-letter. Longer events
     * become stand-ins.
     */
    public static int maxEventBytes(Properties clientConfig) {
        return maxEventBytes(clientConfig, Integer.MAX_VALUE);
    }

    /**
     * The same, within what the events topic takes ({@code max.message.bytes}, less the same room): a record
     * longer than that the broker refuses, and the transaction with it, at every retry.
     */
    public static int maxEventBytes(Properties clientConfig, int topicMaxMessageBytes) {
        String value = clientConfig.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576").trim();
        try {
            int byRequest = Math.min(StandIn.MAX_VALUE_BYTES, Math.max(64 * 1024,
                    Integer.parseInt(value) - RECORD_ROOM_BYTES));
            return Math.min(byRequest, Math.max(RECORD_ROOM_BYTES, topicMaxMessageBytes - RECORD_ROOM_BYTES));
        } catch (NumberFormatException e) {
            throw new ConfigurationError("max.request.size in the Kafka configuration is not "
                    + "a number of bytes: " + value, e);
        }
    }

    /** Fences any older producer of this host and completes its open transaction (commit or abort). */
    public void init() {
        try {
            producer.initTransactions();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new Fenced(e);
        } catch (TransactionalIdAuthorizationException e) {
            // Whether an operator's to fix (refused from the start) or a moment's (taken before): the caller's to say.
            throw new TransactionalIdRefused("Kafka refused this listener's principal its transactional id when "
                    + "starting a producer (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        } catch (KafkaException e) {
            if (cause(e, InvalidTxnTimeoutException.class) != null || String.valueOf(e.getMessage())
                    .contains(Errors.INVALID_TRANSACTION_TIMEOUT.message())) {
                // Not an outage, nor always a configuration error: the capture loop decides (TransactionalProducers).
                // Kafka 4.2's producer gives the broker's error as its words only ("Unexpected error in
                // InitProducerIdResponse; …"), without the exception.
                throw new TransactionTimeoutRefused("the brokers refuse transaction.timeout.ms="
                        + Duration.ofNanos(transactionTimeoutNanos).toMillis() + " ms, above their "
                        + "transaction.max.timeout.ms (" + e.getMessage() + ")", e);
            }
            throw new KafkaUnavailable("cannot start a Kafka transaction: " + e.getMessage(), e);
        }
    }

    /** Sends {@code record} in the open transaction, beginning one when none is open. */
    public void send(ProducerRecord<byte[], byte[]> record) {
        try {
            if (sent == 0) {
                producer.beginTransaction();
                acknowledgedCount.set(0);
                openedNanos = nanoClock.getAsLong();
                openedWallNanos = wallNanos.getAsLong();
            }
            producer.send(record, acknowledged);
            sent++;
        } catch (KafkaException e) {
            throw failure(e);
        }
    }

    /** The producer's own metrics (Kafka's {@code metrics()}), for {@code /metrics}. */
    public Map<MetricName, ? extends Metric> kafkaMetrics() {
        return producer.metrics();
    }

    /** Records sent in the open transaction. */
    public int sent() {
        return sent;
    }

    /** nanoClock when the open transaction's first record was sent. */
    long openedNanos() {
        return openedNanos;
    }

    /**
     * How long a commit took, in two steps: until Kafka acknowledged the transaction's last records (its last
     * batches, the checkpoint's), then the transaction's end (EndTxn to the coordinator).
     */
    public record CommitTimes(long recordsNanos, long endNanos) {
        static final CommitTimes NONE = new CommitTimes(0, 0);
    }

    /**
     * Ends the open transaction: the checkpoint last when it is not null, then the commit, which Kafka bounds by
     * {@code max.block.ms} (the producer's flush would wait up to {@code delivery.timeout.ms}: it is not called). The
     * last acknowledgement says which of its steps a slow commit waited on.
     */
    public CommitTimes commit(Checkpoint checkpoint) {
        if (checkpoint != null) {
            send(records.checkpoint(checkpoint));
        }
        if (sent == 0) {
            return CommitTimes.NONE;
        }
        try {
            long start = nanoClock.getAsLong();
            producer.commitTransaction();
            long end = nanoClock.getAsLong();
            sent = 0;
            committed.run();
            long acknowledgedAfter = Math.min(end - start, Math.max(0, lastAckNanos.get() - start));
            return new CommitTimes(acknowledgedAfter, end - start - acknowledgedAfter);
        } catch (KafkaException e) {
            throw failure(e);
        }
    }

    /**
     * Why, when the producer's words do not say: after a failure it answers every call with "in an error state",
     * the reason (an ACL revoked, a topic deleted) only in the cause; so does its constructor ("Failed to construct
     * kafka producer", a malformed JAAS line in the cause).
     */
    static String rootCause(Throwable e) {
        Throwable root = Causes.root(e);
        String said = Causes.message(root);
        return root == e || said == null || String.valueOf(e.getMessage()).contains(said)
                ? "" : " (" + root.getClass().getSimpleName() + ": " + said + ")";
    }

    private RuntimeException failure(KafkaException e) {
        Throwable refusedTime = cause(e, InvalidTimestampException.class);
        if (refusedTime != null) {
            // RecordTimestamps keeps event times within the topic's bounds as read: either they changed since (the
            // caller reads them again and says so: EventsTopicLimits), or this host's own clock is off.
            return new TopicRefused(TopicRefused.Bound.TIMESTAMP, refusedTime.getMessage(), "the broker refused a "
                    + "record timestamp (" + refusedTime.getMessage() + "): this host's clock is further from the "
                    + "broker's than the events topic's message.timestamp.before.max.ms / after.max.ms allow; fix "
                    + "the clock (NTP)", e);
        }
        Throwable tooLarge = cause(e, RecordTooLargeException.class);
        if (tooLarge != null) {
            // Events, state parts and gaps are kept under the topic's max.message.bytes as read: it was lowered since
            // (the caller reads it again: EventsTopicLimits), or the broker's message.max.bytes, which it follows.
            return new TopicRefused(TopicRefused.Bound.SIZE, tooLarge.getMessage(), "Kafka transaction failed: the "
                    + "broker refused a record as larger than the events topic takes (" + tooLarge.getMessage()
                    + ")", e);
        }
        if (cause(e, TransactionalIdAuthorizationException.class) != null) {
            return new TransactionalIdRefused("Kafka refused the transaction: this listener's principal may not use "
                    + "its transactional id (" + e.getMessage() + rootCause(e) + ")", e);
        }
        Progress outOfTime = new Progress(sent, acknowledgedCount.get(), false);
        // Kafka no longer takes this producer's epoch: a newer producer or the broker's timeout aborted its
        // transaction; with transactions version 2, before KAFKA-20785, either also shows as an invalid state alone.
        boolean fenced = cause(e, ProducerFencedException.class) != null
                || cause(e, InvalidProducerEpochException.class) != null;
        if (!fenced && cause(e, InvalidTxnStateException.class) == null) {
            // A wait of the producer's ran out (max.block.ms: a commit, or room in its buffer): an outage, or a
            // transaction the broker takes more slowly than that (TransactionBudget tells which).
            return new KafkaUnavailable("Kafka transaction failed: " + e.getMessage() + rootCause(e), e,
                    sent > 0 && cause(e, TimeoutException.class) != null ? outOfTime : null);
        }
        // The longer of the two: a host suspended with the transaction open (a laptop, a paused VM) stops the
        // monotonic clock, and the broker's abort looked like a fence ("another listener"), an exit.
        long ageNanos = Math.max(nanoClock.getAsLong() - openedNanos, wallNanos.getAsLong() - openedWallNanos);
        if (sent > 0 && ageNanos >= transactionTimeoutNanos) {
            return new TransactionTimedOut("the Kafka transaction was open " + Duration.ofNanos(ageNanos).toSeconds()
                    + " s, longer than transaction.timeout.ms (" + Duration.ofNanos(transactionTimeoutNanos)
                    .toMillis() + " ms), and the broker aborted it (" + e.getMessage() + "); starting a new "
                    + "producer, which publishes again what was read (a listener of this engine started meanwhile "
                    + "loses its transactional id to it and exits)", e,
                    new Progress(outOfTime.sent(), outOfTime.acknowledged(), true));
        }
        if (fenced) {
            // Not an exit at once: a coordinator whose clock jumped ahead (or that moved to a broker whose clock is
            // ahead) aborts young transactions as timed out, and every listener it coordinates exited 1 at once.
            return new EpochRefused(true, "Kafka fenced this listener's producer in a transaction open "
                    + Duration.ofNanos(ageNanos).toSeconds() + " s (" + e.getMessage() + "): either another "
                    + "listener of this engine took over its transactional id, or the transaction's coordinator "
                    + "aborted it as timed out by a clock ahead of the one that began it (a broker's clock stepped "
                    + "forward; the coordinator moved to a broker whose clock is ahead)" + NEW_PRODUCER, e);
        }
        return new EpochRefused(false, "Kafka refused the transaction as in an invalid state (" + e.getMessage()
                + "): either another listener of this engine took over its transactional id, or the broker "
                + "aborted the transaction itself (brokers before KAFKA-20785 answer both so)" + NEW_PRODUCER, e);
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        return Causes.find(e, type::isInstance);
    }

    static long transactionTimeoutMs(Properties clientConfig) {
        String value = clientConfig.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        if (value == null) {
            return DEFAULT_TRANSACTION_TIMEOUT_MS;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ConfigurationError("transaction.timeout.ms in the Kafka configuration "
                    + "is not a number of milliseconds: " + value, e);
        }
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // a broken producer: the next one's initTransactions aborts whatever it left open
        }
    }

    /** Another listener of this host took over the transactional id. */
    public static final class Fenced extends RuntimeException {
        Fenced(Throwable cause) {
            super("fenced: another listener for this Docker engine took over its transactional id", cause);
        }
    }

    /**
     * A transaction that failed for taking too long: its records, those of them the broker acknowledged meanwhile,
     * and whether the broker aborted it after {@code transaction.timeout.ms} (otherwise a wait of the producer's,
     * {@code max.block.ms}, ran out).
     */
    public record Progress(int sent, int acknowledged, boolean abortedByBroker) {}

    /** Kafka did not take the transaction; nothing of it is visible to read_committed readers. */
    public static class KafkaUnavailable extends RuntimeException {
        private final transient Progress outOfTime;

        KafkaUnavailable(String message, Throwable cause) {
            this(message, cause, null);
        }

        KafkaUnavailable(String message, Throwable cause, Progress outOfTime) {
            super(message, cause);
            this.outOfTime = outOfTime;
        }

        /** The transaction's progress when it failed for taking too long; null for any other failure. */
        public Progress outOfTime() {
            return outOfTime;
        }
    }

    /**
     * The broker refused a record for a setting of the events topic, which the listener's records follow as it read
     * them: its timestamp ({@code message.timestamp.type}, {@code .before.max.ms}, {@code .after.max.ms}) or its size
     * ({@code max.message.bytes}). The caller reads the settings again ({@link EventsTopicLimits}): changed since,
     * the next transaction's records follow the new ones; unchanged, the message says what else is left (for a
     * timestamp, this host's clock).
     */
    public static final class TopicRefused extends KafkaUnavailable {
        /** What the broker refused the record for. */
        enum Bound {
            TIMESTAMP("a record timestamp"),
            SIZE("a record as larger than the events topic takes");

            private final String refused;

            Bound(String refused) {
                this.refused = refused;
            }

            /** What the broker refused, in words: "the broker refused …". */
            String refused() {
                return refused;
            }
        }

        private final Bound bound;
        private final String brokerWords;

        TopicRefused(Bound bound, String brokerWords, String message, Throwable cause) {
            super(message, cause);
            this.bound = bound;
            this.brokerWords = brokerWords;
        }

        Bound bound() {
            return bound;
        }

        /** The broker's own words for the refusal. */
        String brokerWords() {
            return brokerWords;
        }
    }

    /**
     * The coordinator no longer takes this producer's epoch for a transaction younger than the timeout: fenced, or
     * refused as in an invalid state, which Kafka answers both when a newer producer of the transactional id (another
     * listener of this engine) aborted it and when the coordinator aborted it itself (as timed out by a clock ahead of
     * the one that began it; KAFKA-20785; an invalid state also seen once, without either, in a burst): a new producer
     * resumes, and a second refusal soon after is taken as another listener ({@link EpochRefusals}).
     */
    public static final class EpochRefused extends KafkaUnavailable {
        private final boolean fenced;

        EpochRefused(boolean fenced, String message, Throwable cause) {
            super(message, cause);
            this.fenced = fenced;
        }

        /** Kafka answered with a fence (a newer producer's epoch), not an invalid state alone. */
        public boolean fenced() {
            return fenced;
        }
    }

    /**
     * Kafka refused the listener's principal its transactional id (a {@code TransactionalIdAuthorizationException}):
     * its ACL missing. From the start, a configuration to fix; once the id was taken in this process, an ACL removed
     * for a while (re-applied, an authorizer that cannot reach its policy), retried as any Kafka failure.
     */
    public static final class TransactionalIdRefused extends KafkaUnavailable {
        TransactionalIdRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The brokers refused a producer's {@code transaction.timeout.ms} as above their {@code
     * transaction.max.timeout.ms} ({@code INVALID_TRANSACTION_TIMEOUT} to its {@code initTransactions}): lowered on
     * the brokers while listeners run (a rolling restart), or set too high in the Kafka client configuration. Whether
     * it is a configuration error (at start, a value of the user's), a timeout to step down (the listener's default)
     * or a failure to retry (once this process held its transactional id) is the capture loop's to decide ({@link
     * TransactionalProducers#timeoutRefused}).
     */
    public static final class TransactionTimeoutRefused extends KafkaUnavailable {
        TransactionTimeoutRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The broker aborted the open transaction after {@code transaction.timeout.ms} and bumped the epoch; no other
     * listener took over. Nothing of the transaction is visible to read_committed readers; a new producer resumes.
     */
    public static final class TransactionTimedOut extends KafkaUnavailable {
        TransactionTimedOut(String message, Throwable cause, Progress progress) {
            super(message, cause, progress);
        }
    }
}
