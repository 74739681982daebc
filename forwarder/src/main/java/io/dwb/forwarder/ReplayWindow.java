package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import io.dwb.schemas.ContractJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --from [--to]}: the records of every partition whose timestamp (the event's time, by the contract) lies in
 * {@code [from, to)}. Starts at {@code offsetsForTimes(from)}, stops at the end offsets seen at start (records
 * published later are not part of the window); no consumer group, nothing committed.
 */
public final class ReplayWindow {
    private static final Logger log = LoggerFactory.getLogger(ReplayWindow.class);
    /** How long after an event the replay takes its record to be published: a listener's commit and a margin. */
    static final int IN_FLIGHT_SECONDS = 60;

    private final String topic;
    private final long fromNanos;
    private final long toNanos;
    /** The hosts it delivers, by name or id ({@code --host}); empty for every host. */
    private final Set<String> hosts;
    /** Each record's host as delivery reads it (headers, else key), the last one reused. */
    private final HostRefs hostRefs = new HostRefs();
    private final Map<TopicPartition, Long> ends = new HashMap<>();
    /** The topic deleted (or made again) while it was read ({@link #topicDeleted}). */
    private boolean deleted;
    private final Map<TopicPartition, Long> firsts = new HashMap<>();
    /** The topic's partitions, known at start. */
    private int partitionCount;
    /** The most records the window's partitions hold from its start to their ends, known at start. */
    private long records;
    /** Partitions whose window's start retention may have deleted, known at start. */
    private List<RetentionCut> cut = List.of();
    /** Partitions with records past their stable end at start, which the replay does not read. */
    private List<HeldPartition> pastStable = List.of();
    /** Those of them a transaction held to the replay's end: known once asked ({@link #held(Consumer)}). */
    private List<HeldPartition> held;
    private final WrittenEnds writtenEnds;
    private final TopicRetention.Reader retention;
    private final LongSupplier wallClockMillis;

    /**
     * @param toNanos         null for "up to the end of the topic as it is when the replay starts"
     * @param writtenEnds     the partitions' written ends, to tell those a transaction holds at start
     * @param retention       the topic's retention, to tell whether what it deleted may be of the window
     * @param wallClockMillis the wall clock, against which retention deletes
     */
    public ReplayWindow(String topic, long fromNanos, Long toNanos, WrittenEnds writtenEnds,
                        TopicRetention.Reader retention, LongSupplier wallClockMillis) {
        this(topic, fromNanos, toNanos, Set.of(), writtenEnds, retention, wallClockMillis);
    }

    /** @param hosts the hosts it delivers, by name (the {@code host} header) or id (the key); empty for all */
    public ReplayWindow(String topic, long fromNanos, Long toNanos, Set<String> hosts, WrittenEnds writtenEnds,
                        TopicRetention.Reader retention, LongSupplier wallClockMillis) {
        this.topic = topic;
        this.fromNanos = fromNanos;
        this.toNanos = toNanos == null ? Long.MAX_VALUE : toNanos;
        this.hosts = Set.copyOf(hosts);
        this.writtenEnds = writtenEnds;
        this.retention = retention;
        this.wallClockMillis = wallClockMillis;
    }

    /**
     * Assigns and positions {@code consumer} on the window; afterwards only the window's partitions are assigned,
     * none when it holds nothing ({@link #isEmpty}).
     *
     * @throws ConfigurationError when the topic does not exist (a misspelt {@code --topic})
     */
    public void start(Consumer<byte[], byte[]> consumer) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new ConfigurationError("topic " + topic + " does not exist: nothing to replay (--topic)");
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(tp -> query.put(tp, Math.floorDiv(fromNanos, 1_000_000L)));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
        Map<TopicPartition, Long> endOffsets = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        Map<TopicPartition, Long> firstsKept = consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
        long fromMs = Math.floorDiv(fromNanos, 1_000_000L);
        long records = 0;
        List<RetentionCut> cuts = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            OffsetAndTimestamp start = starts.get(tp);
            Long end = endOffsets.get(tp);
            if (start != null && end != null && start.offset() < end) {
                ends.put(tp, end);
                firsts.put(tp, start.offset());
                records += end - start.offset();
            }
            RetentionCut.of(tp, start, firstsKept.get(tp), end, fromMs).ifPresent(cuts::add);
        }
        String retentionUnread = cuts.isEmpty() ? null : ruleOut(cuts, fromMs);
        partitionCount = partitions.size();
        this.records = records;
        cut = List.copyOf(cuts);
        pastStable = pastStable(partitions, endOffsets);
        if (!ends.isEmpty()) { // an empty assignment is none at all, which poll refuses: the loop ends before it
            consumer.assign(ends.keySet());
            firsts.forEach(consumer::seek);
        }
        log.info("replay of {} from {} to {}{}: {} of {} partitions, at most {} records", topic,
                ContractJson.rfc3339(fromNanos), toNanos == Long.MAX_VALUE ? "the current end"
                        : ContractJson.rfc3339(toNanos), hosts.isEmpty() ? ""
                        : ", host " + String.join(", ", new java.util.TreeSet<>(hosts)), ends.size(),
                partitions.size(), records);
        sayUnpassedBounds();
        if (!cut.isEmpty()) {
            log.warn("replay: the start of the window may be gone from {} of {} partitions: retention deleted their "
                    + "records before a first one kept dated after --from, or all of them, and those may have been of "
                    + "the window (not delivered): {}{}", cut.size(), partitions.size(),
                    NamedPartitions.of(cut, RetentionCut::described), retentionUnread == null ? ""
                            : "; the topic's retention.ms and retention.bytes could not be read (" + retentionUnread
                            + "), which may tell that nothing of the window was deleted");
        }
    }

    /**
     * A {@code --to} not yet {@value #IN_FLIGHT_SECONDS} s past: records of the window published from now on are not
     * read (each partition is read to its end as the replay starts), while a listener's queue, its open transaction
     * or its backlog after a Kafka outage still holds some. A {@code --from} ahead of this host's clock: nothing is
     * of the window but the events of engines whose clocks run ahead (a time zone missed). Before, both said only
     * "window delivered" or "nothing in the window", exit 0.
     */
    private void sayUnpassedBounds() {
        long nowMs = wallClockMillis.getAsLong();
        if (Math.floorDiv(fromNanos, 1_000_000L) > nowMs) {
            log.warn("replay: --from {} is later than this host's clock ({}): no event is in the window yet but those "
                    + "of engines whose clocks run ahead (a time zone left out?)", ContractJson.rfc3339(fromNanos),
                    ContractJson.rfc3339(nowMs * 1_000_000L));
        } else if (toNanos != Long.MAX_VALUE
                && Math.floorDiv(toNanos, 1_000_000L) > nowMs - IN_FLIGHT_SECONDS * 1000L) {
            log.warn("replay: --to {} is not {} s past yet: the replay reads each partition to its end as it starts, "
                    + "so records of the window published from now on (a listener's queue, its open transaction, its "
                    + "backlog after a Kafka outage) are not read; run it again after {} for them",
                    ContractJson.rfc3339(toNanos), IN_FLIGHT_SECONDS,
                    ContractJson.rfc3339(toNanos + IN_FLIGHT_SECONDS * 1_000_000_000L));
        }
    }

    /**
     * Clears {@code cuts} when the topic's retention rules out that any record it deleted (before now: the first
     * offsets kept were read before the clock) was of the window ({@link TopicRetention#deletedNothingFrom}): a
     * partition emptied long ago, a retired host's, is then not a WARN at every replay. They are still named, at INFO:
     * what retention cannot tell (records removed by DeleteRecords, or under a shorter retention.ms set earlier, or
     * a clock here more than the margin behind the brokers') is left for a person to judge. Null when done, why the
     * retention could not be read otherwise (the cuts are said as they are).
     */
    private String ruleOut(List<RetentionCut> cuts, long fromMs) {
        TopicRetention set;
        try {
            set = retention.of(topic);
        } catch (KafkaException e) {
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }
        if (set.deletedNothingFrom(fromMs, wallClockMillis.getAsLong())) {
            log.info("replay: records were deleted before the window's start in {} partition(s): {}; the topic's "
                    + "retention (retention.ms {}, no retention.bytes) deletes none dated after {} yet, so none of "
                    + "the window, unless DeleteRecords or a shorter retention.ms set earlier removed them",
                    cuts.size(), NamedPartitions.of(cuts, RetentionCut::described), set.ms(),
                    ContractJson.rfc3339(fromNanos));
            cuts.clear();
        }
        return null;
    }

    /**
     * The partitions whose written end is past their stable end at start ({@code stableEnds}, a read_committed
     * consumer's end offsets): a transaction is open on each. Not said yet: a listener's ordinary one (150 ms, several
     * a second on a busy partition) is open at most starts, and ends at once ({@link #held(Consumer)}).
     */
    private List<HeldPartition> pastStable(List<TopicPartition> partitions, Map<TopicPartition, Long> stableEnds) {
        Map<TopicPartition, Long> written;
        try {
            written = writtenEnds.of(partitions);
        } catch (KafkaException e) {
            log.warn("replay: the partitions' written ends could not be read ({}): a transaction open on one, whose "
                    + "records past it this replay does not read, cannot be said", e.getMessage());
            return List.of();
        }
        List<HeldPartition> open = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            HeldPartition.of(tp, stableEnds.get(tp), written.get(tp)).ifPresent(open::add);
        }
        return List.copyOf(open);
    }

    /**
     * The partitions a transaction held from the replay's start to now, its end, each said (ten, then one line for
     * the rest): those with records past their stable end at start whose stable end has not moved since (it stays at
     * the first offset of the oldest transaction open). The replay stops at the stable ends of its start, so what
     * was past them is not read; a transaction that ended meanwhile was one in flight as it began, its records
     * published then, and is not said. Asked once, at the end.
     */
    List<HeldPartition> held(Consumer<?, ?> consumer) {
        if (held != null) {
            return held;
        }
        held = List.of();
        if (pastStable.isEmpty() || deleted) { // a topic deleted: its records went with it, held or not
            return held;
        }
        Map<TopicPartition, Long> stableNow;
        try {
            stableNow = consumer.endOffsets(pastStable.stream().map(HeldPartition::partition).toList(),
                    Duration.ofSeconds(30));
        } catch (WakeupException e) {
            // A stop after the window was delivered: the replay is done (exit 0), only this look is not made; thrown,
            // it made a delivered window "stopped, run it again", and a second run delivered it twice
            log.warn("replay: stopping: whether the {} partition(s) with records past their stable end at start were "
                    + "held to the end is not looked at: {}", pastStable.size(),
                    NamedPartitions.of(pastStable, HeldPartition::described));
            return held;
        } catch (KafkaException e) {
            log.warn("replay: {} partition(s) had records past their stable end when it started (a transaction open "
                    + "there), not read; whether it held them to the end is not known ({}): {}", pastStable.size(),
                    e.getMessage(), NamedPartitions.of(pastStable, HeldPartition::described));
            return held;
        }
        held = pastStable.stream().filter(h -> Long.valueOf(h.stableOffset()).equals(stableNow.get(h.partition())))
                .toList();
        for (HeldPartition h : held.subList(0, Math.min(held.size(), NamedPartitions.MAX_NAMED))) {
            log.warn("replay: partition {} was held at its stable offset {} by a transaction open there from the "
                    + "replay's start to its end: the {} record(s) written past it were not read (it reads committed "
                    + "records, up to the stable ends at its start), and those of the window among them not "
                    + "delivered; kafka-transactions.sh describe-producers --topic {} --partition {} names the "
                    + "producer (docs/security.md)", h.partition(), h.stableOffset(), h.waiting(),
                    h.partition().topic(), h.partition().partition());
        }
        if (held.size() > NamedPartitions.MAX_NAMED) {
            List<HeldPartition> rest = held.subList(NamedPartitions.MAX_NAMED, held.size());
            log.warn("replay: {} more partitions were held so, {} record(s) past their stable ends: {}", rest.size(),
                    rest.stream().mapToLong(HeldPartition::waiting).sum(),
                    NamedPartitions.of(rest, HeldPartition::described));
        }
        return held;
    }

    /** The end offset of {@code tp} the replay reads to (the stable end seen at start); 0 when not the window's. */
    long end(TopicPartition tp) {
        return ends.getOrDefault(tp, 0L);
    }

    /**
     * Says the partitions with records past their stable end at start, for a window found empty: those records, not
     * read, may be all it has (a one-host deployment replaying its last minutes while a transaction hangs).
     */
    void sayPastStable() {
        if (!pastStable.isEmpty()) {
            log.warn("replay: {} partition(s) had records past their stable end when it started (a transaction open "
                    + "there), not read, which may be of the window: {}", pastStable.size(),
                    NamedPartitions.of(pastStable, h -> h.described() + " ("
                            + h.waiting() + " past it)"));
        }
    }

    /** The most records the replay reads: from the window's start to the ends seen at start, once started. */
    long records() {
        return records;
    }

    /** The partitions the window has records in, once started. */
    int size() {
        return ends.size();
    }

    /** The topic's partitions, once started. */
    int partitionCount() {
        return partitionCount;
    }

    /** The partitions whose window's start retention may have deleted before the replay began. */
    List<RetentionCut> cut() {
        return cut;
    }

    /** The window's first offsets of {@code partitions} (those of the window). */
    Map<TopicPartition, Long> starts(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> of = new HashMap<>();
        partitions.forEach(tp -> {
            Long start = firsts.get(tp);
            if (start != null) {
                of.put(tp, start);
            }
        });
        return of;
    }

    /** True when no partition has a record in the window: nothing to replay. */
    public boolean isEmpty() {
        return ends.isEmpty();
    }

    /**
     * Whether a fetched record belongs to the window (before the end seen at start, and inside the time range, or a
     * gap covering some of it: a gap is dated at its end, and the replay reads past {@code --to} anyway).
     */
    public boolean accepts(ConsumerRecord<byte[], byte[]> record) {
        Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
        if (end == null || record.offset() >= end || !ofTheHosts(record)) {
            return false;
        }
        // A gap by the time it covers (dated at its end, it was left out of the window it began in), not by its date:
        // a window that holds its date but none of its time does not take it. Anything else by its date.
        Optional<GapSpan> gap = GapSpan.of(record);
        if (gap.isPresent()) {
            return gap.get().overlaps(fromNanos, toNanos);
        }
        long millis = record.timestamp();
        if (millis > Long.MAX_VALUE / 1_000_000L || millis < Long.MIN_VALUE / 1_000_000L) {
            return false; // past 2262: in nanoseconds it wrapped into any window its writer chose
        }
        long nanos = millis * 1_000_000L;
        return nanos >= fromNanos && nanos < toNanos;
    }

    /**
     * Whether {@code record} is of the hosts asked for: its host's name or id, as its alert names them, is one of
     * them; every record when none was asked for.
     */
    private boolean ofTheHosts(ConsumerRecord<byte[], byte[]> record) {
        if (hosts.isEmpty()) {
            return true;
        }
        HostRef host = hostRefs.of(record);
        return host.name() != null && hosts.contains(host.name()) || host.id() != null && hosts.contains(host.id());
    }

    /** Whether everything of this partition's window has been fetched. */
    public boolean exhausted(Consumer<?, ?> consumer, TopicPartition tp) {
        Long end = ends.get(tp);
        return end == null || end == Long.MIN_VALUE || consumer.position(tp) >= end;
    }

    public boolean allExhausted(Consumer<?, ?> consumer) {
        for (TopicPartition tp : ends.keySet()) {
            if (!exhausted(consumer, tp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The topic deleted while it was read: each partition's window ends where it was read to (what was fetched is
     * still delivered), the rest gone with the topic. Returns how many offsets of the window that leaves unread.
     */
    long topicDeleted(Consumer<?, ?> consumer) {
        if (deleted) {
            return 0; // said once: a topic made again may be seen so twice
        }
        deleted = true;
        long gone = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            long readTo;
            try {
                readTo = consumer.position(end.getKey(), Duration.ZERO);
            } catch (WakeupException e) {
                throw e; // a stop's
            } catch (KafkaException notPlaced) { // never read: its window's first offset, which it was sought to
                readTo = firsts.getOrDefault(end.getKey(), end.getValue());
            }
            if (readTo < end.getValue()) {
                gone += end.getValue() - readTo;
            }
            // Nothing more of it: a topic made again under its name has records at the same offsets, none the window's
            end.setValue(Long.MIN_VALUE);
        }
        return gone;
    }

    /** Whether the topic was deleted (or made again) while it was read: the window ended where it was read to. */
    boolean gone() {
        return deleted;
    }

    /** The events topic it reads. */
    String topic() {
        return topic;
    }
}
