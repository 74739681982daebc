package io.dwb.forwarder;

import io.dwb.runtime.LogText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where live delivery starts in a partition the group has no committed offset for (a new group, or one whose
 * offsets expired after being idle longer than the broker's {@code offsets.retention.minutes}): at the first record
 * not older than {@code --max-live-age}, so old history never reaches Wazuh as live alerts. What it passes over is
 * returned, to be logged and reported; {@code --from} replays it. Partitions with a committed offset start there.
 *
 * <p>Each such partition's start is returned too, to be committed at once: a group that delivered nothing yet
 * (Wazuh down since it first started) had no offset still when it restarted more than {@code --max-live-age}
 * later, and the records it had been holding for Wazuh were passed over then as old history.
 *
 * <p>A partition with a committed offset is read again from a little before it, to hand its hosts' watch over
 * ({@link WatchHandover}); returned with it, so that nothing before it is delivered or committed again.
 *
 * <p>A committed offset past its partition's end (a log that lost records: a broker that had not flushed them, an
 * unclean election; or an offset set by hand) starts as a partition without one: the look-back would take every
 * record below it for already delivered, and nothing would reach Wazuh until the partition passed it again.
 */
final class LiveStart {
    private static final Logger log = LoggerFactory.getLogger(LiveStart.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * Records {@code [fromOffset, toOffset)} of a partition, all dated before {@code cutoffMs} (the first dated at or
     * after it is where delivery starts). {@code firstMs} is the first one's date, not the oldest: a partition is not
     * in time order (hosts' clocks differ, a listener's backlog is published late), and the oldest is not known
     * without reading them all.
     */
    record Skipped(TopicPartition partition, long fromOffset, long toOffset, long firstMs, long cutoffMs) {
        long records() {
            return toOffset - fromOffset;
        }
    }

    /** Records {@code [fromOffset, toOffset)} of a partition, deleted by Kafka before they were delivered, and how. */
    record Deleted(TopicPartition partition, long fromOffset, long toOffset, Cause cause) {
        /** What deleted them. */
        enum Cause {
            /** The topic's retention ({@code retention.ms}, {@code retention.bytes}): the partition goes on. */
            RETENTION,
            /** The topic itself, deleted while this forwarder held the partition: its records went with it. */
            TOPIC_DELETED
        }

        /** Deleted by the topic's retention. */
        Deleted(TopicPartition partition, long fromOffset, long toOffset) {
            this(partition, fromOffset, toOffset, Cause.RETENTION);
        }

        long offsets() {
            return toOffset - fromOffset;
        }
    }

    private final long maxAgeMs;
    private final LongSupplier wallClockMs;
    private final OffsetReset reset;
    private final WatchHandover handover;

    /** @param maxAge zero: no limit, where a new group starts is left to {@code reset} */
    LiveStart(Duration maxAge, LongSupplier wallClockMs, OffsetReset reset, WatchHandover handover) {
        this.maxAgeMs = maxAge.toMillis();
        this.wallClockMs = wallClockMs;
        this.reset = reset;
        this.handover = handover;
    }

    /** The group's {@code auto.offset.reset}. */
    OffsetReset reset() {
        return reset;
    }

    /**
     * Where the newly assigned partitions without a committed offset start (their offset to commit now), what each
     * passes over as older than the maximum age, and the committed offsets of those read again from before them.
     */
    record Placement(Map<TopicPartition, Long> starts, List<Skipped> skipped,
                     Map<TopicPartition, WatchHandover.SoughtBack> handedOver) {
        static final Placement NONE = new Placement(Map.of(), List.of(), Map.of());
    }

    /**
     * Seeks the newly assigned partitions without a committed offset past their records older than the maximum
     * age, and those with one back to before it ({@link WatchHandover}); returns where each starts, what each passes
     * over (nothing for partitions whose records are all recent) and what is read again. Call from
     * {@code onPartitionsAssigned}.
     */
    Placement position(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        if (assigned.isEmpty()) {
            return Placement.NONE;
        }
        Set<TopicPartition> fresh = new HashSet<>(assigned);
        List<Skipped> skipped;
        Map<TopicPartition, WatchHandover.SoughtBack> handedOver = Map.of();
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(consumer.committed(fresh, TIMEOUT));
            committed.values().removeIf(Objects::isNull);
            forgetPastTheEnd(consumer, committed);
            fresh.removeAll(committed.keySet());
            handedOver = handover.seekBack(consumer, committed);
            if (fresh.isEmpty()) {
                return new Placement(Map.of(), List.of(), handedOver);
            }
            skipped = maxAgeMs > 0 ? skipOld(consumer, fresh) : List.of();
        } catch (WakeupException e) {
            // A stop, a KafkaException too: taken for Kafka not answering, it was said in a misleading WARN, and the
            // look-ups after it ran un-woken (30 s each) into the stop's time. The assignment ends here.
            throw e;
        } catch (KafkaException e) {
            // Nothing sought: the consumer has no position for them (auto.offset.reset is none), so the next poll
            // asks again (NoOffsetForPartitionException). Starting them from auto.offset.reset's end delivered a new
            // group's whole history as live alerts, past --max-live-age.
            log.warn("could not look up where {} start: they wait, and are looked up again at the next poll ({})",
                    NamedPartitions.of(fresh), LogText.bounded(e.getMessage(), NamedPartitions.MAX_CAUSE));
            return new Placement(Map.of(), List.of(), handedOver); // those sought back are read again all the same
        }
        Set<TopicPartition> notSought = new HashSet<>(fresh);
        skipped.forEach(s -> notSought.remove(s.partition()));
        reset.seek(consumer, notSought);
        Map<TopicPartition, Long> starts = new HashMap<>();
        try {
            for (TopicPartition tp : fresh) {
                starts.put(tp, consumer.position(tp, TIMEOUT)); // past what was skipped, else auto.offset.reset's
            }
        } catch (WakeupException e) {
            throw e; // a stop, as above
        } catch (KafkaException e) { // they are sought: what was skipped is still said; the starts are committed later
            log.warn("could not look up the start offsets of {} to commit them now: {}", NamedPartitions.of(fresh),
                    LogText.bounded(e.getMessage(), NamedPartitions.MAX_CAUSE));
        }
        return new Placement(starts, skipped, handedOver);
    }

    /**
     * Leaves out of {@code committed} the offsets past their partition's end, which then start as partitions without
     * one. A committed offset is at most the end (the last stable offset, for this read_committed consumer) unless
     * the log lost records since (a single broker that lost what it had not flushed, as the standalone's after a
     * power loss; an unclean leader election) or the offset was set by hand (the admin API takes any). The look-back
     * of the hand-over then sought the last minutes' records and took every one below the old offset for delivered:
     * nothing was delivered until the partition passed it again. (Deleting the topic deletes the group's offsets of
     * it: one made again starts as new.)
     */
    private static void forgetPastTheEnd(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> committed) {
        if (committed.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends;
        try {
            ends = consumer.endOffsets(committed.keySet(), TIMEOUT);
        } catch (WakeupException e) {
            throw e; // a stop, as below
        } catch (KafkaException e) {
            log.warn("could not look up the ends of {} to check their committed offsets against: they start there "
                    + "({})", NamedPartitions.of(committed.keySet()),
                    LogText.bounded(e.getMessage(), NamedPartitions.MAX_CAUSE));
            return;
        }
        committed.entrySet().removeIf(e -> {
            Long end = ends.get(e.getKey());
            if (end == null || e.getValue().offset() <= end) {
                return false;
            }
            log.warn("committed offset {} of {} is past the partition's end ({}): its log lost records (a broker that "
                    + "had not flushed them, an unclean leader election) or the offset was set by hand; starting it "
                    + "as a group without offsets does", e.getValue().offset(), e.getKey(), end);
            return true;
        });
    }

    /** Seeks {@code fresh} past their records older than the maximum age; returns what each passes over. */
    private List<Skipped> skipOld(Consumer<?, ?> consumer, Set<TopicPartition> fresh) {
        Map<TopicPartition, Long> cutoffQuery = new HashMap<>();
        Map<TopicPartition, Long> firstQuery = new HashMap<>();
        long cutoff = wallClockMs.getAsLong() - maxAgeMs;
        fresh.forEach(tp -> {
            cutoffQuery.put(tp, cutoff);
            firstQuery.put(tp, 0L);
        });
        Map<TopicPartition, OffsetAndTimestamp> kept = consumer.offsetsForTimes(cutoffQuery, TIMEOUT);
        Map<TopicPartition, OffsetAndTimestamp> first = consumer.offsetsForTimes(firstQuery, TIMEOUT);
        Map<TopicPartition, Long> ends = consumer.endOffsets(fresh, TIMEOUT);
        List<Skipped> skipped = new ArrayList<>();
        for (TopicPartition tp : fresh) {
            OffsetAndTimestamp oldest = first.get(tp);
            if (oldest == null || oldest.timestamp() >= cutoff) {
                continue; // empty, or nothing old: auto.offset.reset decides, as for any new group
            }
            OffsetAndTimestamp start = kept.get(tp);
            long startOffset = start != null ? start.offset() : ends.get(tp);
            if (startOffset > oldest.offset()) {
                consumer.seek(tp, startOffset);
                skipped.add(new Skipped(tp, oldest.offset(), startOffset, oldest.timestamp(), cutoff));
            }
        }
        return skipped;
    }
}
