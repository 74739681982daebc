package io.dwb.listener;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.runtime.KafkaClientThreads;
import io.dwb.runtime.RefusedFetch;
import io.dwb.runtime.SearchConsumer;
import io.dwb.runtime.UnreadableOffsets;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EpochNanos;
import io.dwb.schemas.HostPartition;
import io.dwb.schemas.WatchMark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a host's last committed checkpoint from the compacted checkpoints topic (read_committed, so a checkpoint
 * of an aborted transaction never counts). Only the partition the host's key maps to is read (the producer's
 * default partitioner: murmur2 of the key), backwards from its end in ranges ({@link LookupSteps}): the first
 * {@value #STEP} offsets long, each after a miss twice as long, stopping at the newest range that holds one of the
 * host's checkpoints. A listener's checkpoint takes two offsets (its record and its transaction's commit marker), and
 * compaction keeps offsets (a months-old partition is tens of millions of offsets holding few records), so a miss over
 * N offsets costs about log2(N / {@value #STEP}) seeks, each a fetch at least (fixed steps took N / {@value #STEP}),
 * plus the fetches of the records it reads; a hit reads the records of at most twice the offsets written after the
 * host's newest checkpoint, plus a step. A range longer than a step that a poll cannot read (out of memory, or refused
 * by Kafka's consumer: a corrupt batch) is read again in steps: the search for records no poll can read covers a step
 * at most. A running listener writes its checkpoint at least every {@link Uncommitted#REWRITE_AFTER} (and again after
 * a start), so its newest is within what the partition took in that time and a heartbeat interval (the first range, or
 * a few); a listener stopped longer reads about everything the partition took since, and a host without a checkpoint
 * its whole partition, in few ranges.
 *
 * <p>Read committed, a partition ends at its last stable offset: the first offset of the oldest transaction still
 * open on it. Hundreds of hosts share a partition, and a listener killed between sending its checkpoint and
 * committing leaves its transaction open until it times out; a newer checkpoint of this host, committed meanwhile,
 * lies beyond that end. So a lookup first waits until every record written when it looked is decided (committed or
 * aborted), up to {@link #TIMEOUT}; past that it fails as Kafka unavailable, and the listener tries again.
 */
public final class CheckpointStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);
    static final long STEP = 2_000;
    /**
     * The most failed polls one unreadable range costs to bound (out of memory, each a second or two of collections;
     * or refused, each a new consumer's fetch).
     */
    private static final int MAX_FAILED_TRIES = 12;
    private static final Duration SEARCH_POLL_WAIT = Duration.ofSeconds(3);

    /**
     * What the topic holds for a host: its last checkpoint; or where its last value is and why it is not one (then
     * the position is unknown); or, for a host whose listener published no event yet, since when it watched
     * ({@code watchingSince}, a {@link WatchMark}); or none of them (a first start).
     */
    public record Stored(Checkpoint checkpoint, Unreadable unreadable, Long watchingSince) {
        static final Stored NONE = new Stored(null, null);

        Stored(Checkpoint checkpoint, Unreadable unreadable) {
            this(checkpoint, unreadable, null);
        }

        public Optional<Checkpoint> readable() {
            return Optional.ofNullable(checkpoint);
        }
    }

    /** The host's last value on the checkpoints topic is not a checkpoint: where it is, when written, and why. */
    public record Unreadable(TopicPartition partition, long offset, long writtenAtMillis, String why) {}

    private static final Pattern EVENT_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern EVENT_ID_DIGITS = Pattern.compile("[0-9a-f]+");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How many lookups' waits running may find the partition held before one resumes from below what holds it. */
    static final int HELD_WAITS = 10;

    /** The Kafka client properties as they are when a consumer is built: the file read again may change them. */
    private final Supplier<Properties> clientConfig;
    private final String topic;
    /** Whose lookups these are ({@link HostIdentity#transactionalId}), in the consumers' client ids. */
    private final String owner;
    private final CheckpointRecordBound bound = new CheckpointRecordBound();
    private final long step;
    private final Duration stableWait;
    /**
     * When lookups began to find the partition held past {@link #stableWait} (the start of the first such wait), while
     * they do; null otherwise.
     */
    private Long heldSinceNanos;
    /** Whether the last lookup ended held: a lookup after one that ended otherwise starts the count again. */
    private boolean heldLastLookup;
    /** Monotonic nanoseconds (System::nanoTime): the lookup's deadlines. */
    private final LongSupplier nanoClock;
    /** The lookups' consumers, the next one built ahead. */
    private final BuiltAhead<Consumer<byte[], byte[]>> consumers;
    /** A read_uncommitted consumer for the partition's written end (its high watermark) only; built ahead too. */
    private final BuiltAhead<Consumer<byte[], byte[]>> writtenEnds;
    /** Builds each consumer of a lookup ({@link Reader}): Kafka's, or a test's. */
    private final Function<Reader, Consumer<byte[], byte[]>> readers;

    /**
     * A lookup's consumers: what each reads with, and what its client id calls it. The search for records no poll can
     * read ({@link #searched}) reads as the lookup's, one record a poll, its client id the lookup's and "-search".
     */
    enum Reader {
        LOOKUP("read_committed", "checkpoint-lookup"),
        WRITTEN_END("read_uncommitted", "checkpoint-written-end"),
        SEARCH("read_committed", "checkpoint-lookup");

        final String isolation;
        final String name;

        Reader(String isolation, String name) {
            this.isolation = isolation;
            this.name = name;
        }
    }

    /** @param owner the listener's transactional id, which the consumers' client ids name */
    public CheckpointStore(Properties clientConfig, String topic, String owner) {
        this(() -> clientConfig, topic, owner);
    }

    /**
     * @param clientConfig the Kafka client properties, asked for each consumer built: those of the listener's last
     *                     producer ({@link KafkaClientSettings#inUse}), so that a login rotated in the Kafka client
     *                     configuration reaches the lookups too
     * @param owner        the listener's transactional id, which the consumers' client ids name
     */
    public CheckpointStore(Supplier<Properties> clientConfig, String topic, String owner) {
        this(clientConfig, topic, owner, STEP, TIMEOUT, null, System::nanoTime);
    }

    /** @param stableWait how long a lookup waits for the transactions open on the partition when it looked */
    CheckpointStore(Properties clientConfig, String topic, String owner, long step, Duration stableWait) {
        this(() -> clientConfig, topic, owner, step, stableWait, null, System::nanoTime);
    }

    /**
     * @param readers   builds the lookup's consumers, its search's for unreadable records too (null: Kafka's, of
     *                  {@code clientConfig})
     * @param nanoClock monotonic nanoseconds (System::nanoTime), for the lookup's deadlines
     */
    CheckpointStore(Supplier<Properties> clientConfig, String topic, String owner, long step, Duration stableWait,
                    Function<Reader, Consumer<byte[], byte[]>> readers, LongSupplier nanoClock) {
        this.clientConfig = clientConfig;
        this.topic = topic;
        this.owner = owner;
        this.step = step;
        this.stableWait = stableWait;
        this.nanoClock = nanoClock;
        this.readers = readers != null ? readers : this::consumer;
        this.consumers = new BuiltAhead<>(() -> this.readers.apply(Reader.LOOKUP), c -> c.close(Duration.ZERO));
        this.writtenEnds = new BuiltAhead<>(() -> this.readers.apply(Reader.WRITTEN_END),
                c -> c.close(Duration.ZERO));
    }

    /** What a lookup found, where it looked, and how many records it read to find it. */
    record Lookup(Stored stored, TopicPartition partition, long recordsRead) {
        Optional<Checkpoint> checkpoint() {
            return stored.readable();
        }
    }

    public Stored read(String hostId) {
        Lookup lookup = lookup(hostId);
        log.debug("checkpoint lookup: {} records read from {}", lookup.recordsRead(), lookup.partition());
        return lookup.stored();
    }

    /**
     * Builds the next lookup's consumer now (it sends no request until the lookup): while the main thread waits for
     * the topics' check. A configuration Kafka refuses is left for the lookup to report.
     */
    public void prepare() {
        try {
            consumers.prepare();
            writtenEnds.prepare();
        } catch (KafkaException e) {
            log.debug("the checkpoint lookup's consumer could not be built ahead: {}", e.getMessage());
        }
    }

    /** Closes a consumer built ahead and never used. */
    @Override
    public void close() {
        consumers.close();
        writtenEnds.close();
    }

    private Consumer<byte[], byte[]> consumer(Reader reader) {
        return new KafkaConsumer<>(consumerConfig(reader), bound.keys(), bound.values());
    }

    /** A lookup consumer's configuration: the user's Kafka client properties, and what the lookup needs. */
    Properties consumerConfig(Reader reader) {
        Properties p = new Properties();
        p.putAll(clientConfig.get());
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        // Without a group or a client id, Kafka called it consumer-null-N in its log lines and metrics. A client id
        // of the user's file leads, as Kafka Streams names its clients: the two consumers are open together, and
        // one id for both made Kafka WARN of its metrics bean at every lookup.
        String userId = p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, userId == null || userId.isEmpty() ? reader.name + "-" + owner
                : userId + "-" + reader.name);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, reader.isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A lookup of a checkpoints topic deleted under the listener must not bring it back with the broker's
        // defaults (deleting checkpoints after a week, where it must compact them).
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // It reads up to an end it knows: a fetch the broker holds for data to come (500 ms by default) only delays
        // the close, which waits for the fetch that its last poll sent ahead (every restart with a checkpoint).
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        if (reader == Reader.SEARCH) { // the lookup's settings, one record a poll
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG) + "-search");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        }
        return p;
    }

    Lookup lookup(String hostId) {
        if (!heldLastLookup) {
            heldSinceNanos = null; // lookups failing otherwise meanwhile (Kafka away) are no time held
        }
        heldLastLookup = false;
        byte[] key = hostId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        KafkaClientThreads producers = KafkaClientThreads.producers().observe();
        try (LookupConsumer consumer = new LookupConsumer();
             Consumer<byte[], byte[]> written = writtenEnds.take()) {
            List<PartitionInfo> partitions = consumer.now.partitionsFor(topic, TIMEOUT);
            if (partitions == null || partitions.isEmpty()) {
                return new Lookup(Stored.NONE, null, 0);
            }
            TopicPartition tp = new TopicPartition(topic, HostPartition.of(key, partitions.size()));
            consumer.now.assign(List.of(tp));
            long begin = consumer.now.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
            long end = stableEnd(consumer.now, written.endOffsets(List.of(tp), TIMEOUT).get(tp), tp);
            long read = 0;
            LookupSteps steps = new LookupSteps(begin, end, step);
            while (steps.hasNext()) {
                Step found = newestIn(consumer.now, tp, steps.from(), steps.to(), key, producers,
                        steps.searchable());
                read += found.recordsRead();
                if (found.unread() != null) {
                    exitIfAProducerDied(producers, found.unread().outOfMemory());
                    log.warn("{}: reading them again in steps of {} offsets, from the newest",
                            found.unread().failed(tp, steps.from(), steps.to() - 1), step);
                    consumer.renew(tp);
                    steps.split();
                } else if (found.newest() != null) {
                    return new Lookup(found.newest(), tp, read);
                } else {
                    steps.missed();
                }
            }
            return new Lookup(Stored.NONE, tp, read);
        } catch (LinkageError | RuntimeException e) {
            // A codec's native library that cannot load is a configuration error, not Kafka away: zstd's failure comes
            // wrapped in a KafkaException, snappy's raw, an Error no caller catches ("Exception in thread main").
            RuntimeException codec = NativeCodecFailure.of(e, "the checkpoints topic " + topic);
            if (codec != null) {
                throw codec;
            }
            if (e instanceof KafkaException k) {
                // A refusal the search could not explain: Kafka's reason too (the outer message names no batch).
                throw new TransactionalPublisher.KafkaUnavailable("cannot read the checkpoint from " + topic + ": "
                        + e.getMessage() + RefusedFetch.reason(k).map(r -> " (" + r + ")").orElse(""), e);
            }
            throw e;
        }
    }

    /**
     * The partition's last stable offset once it reaches {@code writtenEnd} (every record written when the lookup
     * looked is decided), polled with a growing pause; Kafka unavailable past {@link #stableWait}. Once lookups one
     * after another have found it held for {@value #HELD_WAITS} such waits' time (their backoff included), the
     * stable offset as it is, and a WARN: the host's
     * newest checkpoint below the transactions left open. No listener holds one that long (it commits within a
     * second, and the broker aborts a dead one's after its transaction.timeout.ms); a writer that keeps one open, as
     * any principal allowed to write the topic can, held every listener of the partition that started or rebuilt its
     * producer out of capture for as long as it went on. Resuming from an older checkpoint publishes again what was
     * published since (duplicates), or a gap says what the engine no longer has: nothing is lost unsaid.
     */
    private long stableEnd(Consumer<byte[], byte[]> consumer, long writtenEnd, TopicPartition tp) {
        long started = nanoClock.getAsLong();
        long deadline = started + stableWait.toNanos();
        long pauseMillis = 10;
        while (true) {
            long stable = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp); // last stable offset, read committed
            if (stable >= writtenEnd) {
                heldSinceNanos = null;
                return stable;
            }
            long now = nanoClock.getAsLong();
            if (now - deadline > 0) {
                if (heldSinceNanos == null) {
                    heldSinceNanos = started;
                }
                if (now - heldSinceNanos >= HELD_WAITS * stableWait.toNanos()) {
                    log.warn("{} has been held by transactions left open for over {} s (offsets {} to {} undecided; "
                            + "no listener keeps one open that long: a writer of the topic that does, "
                            + "docs/security.md): resuming from this host's newest checkpoint below them; what it "
                            + "published since is published again, or a gap says what the engine no longer has", tp,
                            (now - heldSinceNanos) / 1_000_000_000L, stable, writtenEnd);
                    heldSinceNanos = null;
                    return stable;
                }
                heldLastLookup = true;
                throw new KafkaException("a transaction of another producer has been open on " + tp + " for over "
                        + stableWait.toSeconds() + " s (offsets " + stable + " to " + writtenEnd + " undecided): "
                        + "this host's newest checkpoint may be among them; trying again until it commits or times "
                        + "out (transaction.timeout.ms of that producer), or, held so for " + HELD_WAITS
                        + " such waits, resuming from below it");
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while waiting for the transactions open on " + tp, e);
            }
            pauseMillis = Math.min(200, pauseMillis * 2);
        }
    }

    /**
     * The lookup's consumer, replaced after a poll out of memory or refused: Kafka's keeps the fetch that failed, marked
     * corrupt, and answers a poll from its next offset with an exception (where a step read again may begin).
     */
    private final class LookupConsumer implements AutoCloseable {
        private Consumer<byte[], byte[]> now = consumers.take();

        void renew(TopicPartition tp) {
            Consumer<byte[], byte[]> failed = now;
            now = null;
            failed.close(Duration.ZERO);
            now = consumers.take();
            now.assign(List.of(tp));
        }

        @Override
        public void close() {
            if (now != null) {
                now.close();
            }
        }
    }

    /**
     * One range of a lookup: the host's newest value in it (null if none), the records read, and, for a range
     * longer than a step that a poll could not read, why (to read it again in steps).
     */
    private record Step(Stored newest, long recordsRead, Unread unread) {
        Step(Stored newest, long recordsRead) {
            this(newest, recordsRead, null);
        }
    }

    /**
     * A poll of the lookup that did not read: it ran out of memory ({@code outOfMemory}: Kafka's consumer built a
     * record too large for the heap), or Kafka's consumer refused what it fetched ({@code refusal}, {@link
     * RefusedFetch}: a batch whose CRC does not match, the partition leader's copy damaged on its disk), for
     * {@code reason}.
     */
    private record Unread(OutOfMemoryError outOfMemory, KafkaException refusal, String reason) {
        static Unread of(OutOfMemoryError e) {
            return new Unread(e, null, null);
        }

        /** The refusal {@code e} is; empty for another failure (Kafka away, a codec that cannot load). */
        static Optional<Unread> refused(KafkaException e) {
            return RefusedFetch.reason(e).map(reason -> new Unread(null, e, reason));
        }

        /** What a poll of {@code tp} offsets {@code from} to {@code last} met, for the log. */
        String failed(TopicPartition tp, long from, long last) {
            return outOfMemory != null ? "the checkpoint lookup ran out of memory reading " + tp + " offsets " + from
                    + " to " + last : "Kafka's consumer refused the checkpoint lookup's records of " + tp
                    + " offsets " + from + " to " + last + " (" + reason + ")";
        }
    }

    /**
     * The host's newest value among offsets [from, to). After a poll out of memory or refused ({@link RefusedFetch}:
     * a corrupt batch) the range is searched one record a poll when it is {@code searchable} (a step at most); else
     * why is returned, the range to be read again in steps. A poll holds what it holds whatever the range's length (at
     * most {@code max.poll.records} records, each fetch at most {@code max.partition.fetch.bytes}), and of what it
     * reads the lookup keeps the newest value only.
     */
    private Step newestIn(Consumer<byte[], byte[]> consumer, TopicPartition tp, long from, long to,
                          byte[] key, KafkaClientThreads producers, boolean searchable) {
        long read = 0;
        consumer.seek(tp, from);
        Stored last = null;
        // A range's records take as many polls as they take (a grown range holds many): what times out is a
        // position that stays, for TIMEOUT.
        long at = from;
        long deadline = nanoClock.getAsLong() + TIMEOUT.toNanos();
        for (long position; (position = consumer.position(tp, TIMEOUT)) < to; ) {
            long now = nanoClock.getAsLong();
            if (position != at) {
                at = position;
                deadline = now + TIMEOUT.toNanos();
            } else if (now - deadline > 0) {
                throw new KafkaException("timed out reading " + tp + ": no record for " + TIMEOUT.toSeconds()
                        + " s at offset " + position);
            }
            ConsumerRecords<byte[], byte[]> polled;
            try {
                polled = consumer.poll(Duration.ofMillis(200));
            } catch (OutOfMemoryError e) {
                Unread unread = Unread.of(e);
                return searchable ? searched(tp, from, to, key, producers, unread) : new Step(null, read, unread);
            } catch (KafkaException e) {
                Unread unread = Unread.refused(e).orElseThrow(() -> e); // else Kafka unavailable, or a codec
                return searchable ? searched(tp, from, to, key, producers, unread) : new Step(null, read, unread);
            }
            for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                if (r.offset() >= to) {
                    break;
                }
                read++;
                if (r.key() != null && Arrays.equals(r.key(), key) && r.value() != null) {
                    last = parse(r, bound.oversized(r));
                }
            }
        }
        return new Step(last, read);
    }

    /**
     * A poll of the step [from, to) ran out of memory, or was refused. Out of memory: Kafka's consumer built a record
     * too large for the heap (a record of a million empty headers is 2 MB, within the topics' bound, and ~61 MB of its
     * objects, before any deserializer runs). Refused ({@link RefusedFetch}): a batch whose CRC does not match (the
     * partition leader's copy damaged on its disk, served so at every fetch), a refused poll standing for one out of
     * memory. The step is read again one record a poll, by a consumer of its own, to find the offsets no poll can
     * read. Their keys cannot be read either: a range after the host's newest value read (or in a step without one)
     * may hold a newer one, so the host's value is reported unreadable (where capture stopped is unknown); a range
     * before it is passed over. When every record of the step reads alone, that reading stands after a poll out of
     * memory (the poll held too many at once); after a refusal, nothing explains it (a fetch damaged on its way, not
     * on the disk), and the refusal is thrown on: Kafka unavailable, the lookup tried again. When the lookup ran out
     * of memory and a Kafka producer's network thread died of the shortage, the error is thrown on: the listener exits
     * (3), as on any other OutOfMemoryError.
     */
    private Step searched(TopicPartition tp, long from, long to, byte[] key, KafkaClientThreads producers,
                          Unread unread) {
        log.error("{}: reading them again one record at a time, to find what cannot be read",
                unread.failed(tp, from, to - 1));
        OutOfMemoryError outOfMemory = unread.outOfMemory(); // the first the lookup met, for the producers' check
        long read = 0;
        Stored last = null;
        UnreadableRange after = null; // the first range past the host's newest value read
        List<UnreadableRange> passed = new ArrayList<>();
        long lastWrittenMillis = -1; // of the last record read, whoever's
        try (SearchConsumer probe = new SearchConsumer(() -> readers.apply(Reader.SEARCH))) {
            probe.assign(tp);
            probe.seek(from);
            // (another KafkaException ends the lookup as Kafka unavailable, after the producers' threads are checked)
            long at = from;
            long deadline = nanoClock.getAsLong() + TIMEOUT.toNanos();
            while (at < to && probe.consumer().position(tp, TIMEOUT) < to) {
                if (nanoClock.getAsLong() - deadline > 0) {
                    throw new KafkaException("timed out reading " + tp + " again one record at a time");
                }
                ConsumerRecords<byte[], byte[]> polled;
                String refused = null;
                try {
                    polled = probe.consumer().poll(Duration.ofMillis(200));
                } catch (OutOfMemoryError e) {
                    outOfMemory = outOfMemory != null ? outOfMemory : e;
                    polled = null;
                } catch (RuntimeException e) {
                    refused = RefusedFetch.reason(e).orElse(null);
                    if (refused == null) {
                        exitIfAProducerDied(producers, outOfMemory);
                        throw e;
                    }
                    polled = null;
                }
                if (polled == null) { // at cannot be read: out of memory, or refused
                    probe.renew();
                    UnreadableRange range = passOver(probe, at, to, lastWrittenMillis, refused);
                    if (after == null) {
                        after = range;
                    }
                    passed.add(range);
                    at = range.last() + 1;
                    probe.seek(at);
                    deadline = nanoClock.getAsLong() + TIMEOUT.toNanos();
                    continue;
                }
                for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) { // one a poll
                    if (r.offset() >= to) {
                        break;
                    }
                    read++;
                    lastWrittenMillis = r.timestamp();
                    at = r.offset() + 1;
                    if (r.key() != null && Arrays.equals(r.key(), key) && r.value() != null) {
                        last = parse(r, bound.oversized(r));
                        after = null;
                    }
                }
            }
        }
        exitIfAProducerDied(producers, outOfMemory);
        if (passed.isEmpty() && unread.refusal() != null) {
            log.warn("every record of {} offsets {} to {} reads again one at a time: nothing explains Kafka's refusal "
                    + "(a fetch damaged on its way, not on the partition leader's disk); the lookup fails as Kafka "
                    + "unavailable and is tried again", tp, from, to - 1);
            throw unread.refusal();
        }
        if (passed.isEmpty()) {
            log.warn("every record of {} offsets {} to {} reads alone: the lookup's poll held too many at once; "
                    + "the checkpoint is looked up from that reading", tp, from, to - 1);
        } else if (after != null) {
            log.error("{} {}: this host's newest checkpoint may be among them", tp, after.said());
            return new Step(new Stored(null, new Unreadable(tp, after.first(), after.writtenAfterMillis(),
                    after.why() + ", this host's newest checkpoint may be among them")), read);
        }
        for (UnreadableRange range : passed) {
            log.warn("{} {}: passed over, this host's checkpoint is after them", tp, range.said());
        }
        return new Step(last, read);
    }

    /**
     * A Kafka producer's network thread ended since the lookup began (Kafka's threads end on an Error, logging it
     * only): the transactional producer would never send again, so the error is thrown on and the listener exits (3).
     * Only after the lookup ran out of memory ({@code error}; null when it did not: a refused poll kills no thread).
     */
    private static void exitIfAProducerDied(KafkaClientThreads producers, OutOfMemoryError error) {
        if (error == null) {
            return;
        }
        String died = producers.died();
        if (died != null) {
            log.error("a Kafka producer's thread ({}) died of the shortage of memory: exiting, to start again whole",
                    died);
            throw error;
        }
    }

    /**
     * Offsets no poll can read, {@code first} to {@code last}; written after {@code writtenAfterMillis} (the record
     * read before them; 0 when none was: how far back is unknown); {@code refused}, Kafka's reason when its consumer
     * refused them (a corrupt batch), null when they cannot be read within the heap.
     */
    private record UnreadableRange(long first, long last, long writtenAfterMillis, String refused) {
        String offsets() {
            return first == last ? "offset " + first : "offsets " + first + " to " + last;
        }

        /** The offsets and why, as the log says them. */
        String said() {
            return refused != null ? why() : offsets() + " cannot be read within the listener's memory (a record of "
                    + "very many headers, with the records after it in its batch)";
        }

        /** The offsets and why, as the unreadable checkpoint's reason says them. */
        String why() {
            return refused != null ? offsets() + ": Kafka's consumer refuses " + (first == last ? "it" : "them") + " ("
                    + refused + "; a batch damaged on the partition leader's disk, or a record that does not parse)"
                    : offsets() + " cannot be read within the listener's memory (a record of very many headers)";
        }
    }

    /**
     * The offsets from {@code at}, where no poll can read, up to the first start that reads ({@link
     * UnreadableOffsets}: each failed try is another OutOfMemoryError or refusal, at most {@value #MAX_FAILED_TRIES});
     * {@code refused}, Kafka's reason when the poll at {@code at} was refused.
     */
    private static UnreadableRange passOver(SearchConsumer probe, long at, long to, long writtenAfterMillis,
                                            String refused) {
        // A new consumer's first poll connects and fetches: a wait as short as the lookup's took many for readable.
        // From the step's end on, the records read (the later steps were read before this one).
        long last = UnreadableOffsets.lastOf(at, start -> probe.readsFrom(start, to, SEARCH_POLL_WAIT),
                MAX_FAILED_TRIES);
        return new UnreadableRange(at, last, Math.max(0, writtenAfterMillis), refused);
    }

    private static boolean recentIdsValid(Checkpoint.Recent recent) {
        return recent.ids().size() <= Checkpoint.RECENT_IDS && recent.ids().stream()
                .allMatch(id -> id.length() == Checkpoint.RECENT_ID_DIGITS && EVENT_ID_DIGITS.matcher(id).matches());
    }

    /** Its {@code timeNano} and {@code eventId} alone, when it is a JSON object with both of their types. */
    private static Optional<Checkpoint> position(byte[] value) {
        try {
            JsonNode tree = ContractJson.tree(value);
            JsonNode time = tree.path("timeNano");
            JsonNode id = tree.path("eventId");
            return time.isIntegralNumber() && time.canConvertToLong() && id.isTextual()
                    ? Optional.of(new Checkpoint(time.longValue(), id.textValue())) : Optional.empty();
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The time of a {@link WatchMark} ({@code watchingSince} without an {@code eventId}), null for any other value.
     * A non-integral one is a time too: refused by the caller's range, not read as a checkpoint.
     */
    private static Long watchingSince(byte[] value) {
        JsonNode tree;
        try {
            tree = ContractJson.tree(value);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        JsonNode since = tree.path(WatchMark.FIELD);
        if (since.isMissingNode() || tree.has("eventId")) {
            return null;
        }
        return since.isIntegralNumber() && since.canConvertToLong() ? since.longValue() : Long.MIN_VALUE;
    }

    /** A value that is not a checkpoint (another producer, a bug, a forged record) is reported, not thrown. */
    private static Stored parse(ConsumerRecord<byte[], byte[]> r, boolean oversized) {
        String why;
        if (oversized) {
            return new Stored(null, new Unreadable(new TopicPartition(r.topic(), r.partition()), r.offset(),
                    r.timestamp(), "a value of " + r.serializedValueSize() + " bytes, over the "
                            + CheckpointRecordBound.MAX_VALUE_BYTES + " a checkpoint can take"));
        }
        try {
            Long watchingSince = watchingSince(r.value());
            if (watchingSince != null) {
                if (EpochNanos.inRange(watchingSince)) {
                    return new Stored(null, null, watchingSince);
                }
                throw new IllegalArgumentException(WatchMark.FIELD + " must be a time from 2000 to 2100");
            }
            Checkpoint c;
            try {
                c = ContractJson.read(r.value(), Checkpoint.class);
            } catch (RuntimeException e) {
                // A recent window of another shape (a newer listener's: an array, ids of another type) failed the
                // whole read: the position, read alone, as below.
                c = position(r.value()).orElseThrow(() -> e);
            }
            if (c.timeNano() > 0 && c.eventId() != null && EVENT_ID.matcher(c.eventId()).matches()) {
                // A recent window this listener cannot use (a newer one's form, more ids than it keeps): the position
                // alone, as a checkpoint of before the window was kept, not the whole checkpoint taken for unreadable.
                return new Stored(c.recent() == null || recentIdsValid(c.recent()) ? c : c.position(), null);
            }
            why = "timeNano must be above 0 and eventId 32 hexadecimal digits";
        } catch (RuntimeException e) {
            why = e.getMessage();
        }
        return new Stored(null, new Unreadable(new TopicPartition(r.topic(), r.partition()), r.offset(),
                r.timestamp(), why));
    }
}
