package io.dwb.forwarder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where live delivery starts in a partition the group has no committed offset for (a new group, or one whose
 * offsets expired after being idle longer than the broker's {@code offsets.retention.minutes}): at the first record
 * not older than {@code --max-live-age}, so old history never reaches Wazuh as live alerts. What it passes over is
 * returned, to be logged and reported; {@code --from} replays it. Partitions with a committed offset start there.
 */
final class LiveStart {
    private static final Logger log = LoggerFactory.getLogger(LiveStart.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Records {@code [fromOffset, toOffset)} of a partition, times from {@code fromMs}, older than {@code cutoffMs}. */
    record Skipped(TopicPartition partition, long fromOffset, long toOffset, long fromMs, long cutoffMs) {
        long records() {
            return toOffset - fromOffset;
        }
    }

    private final long maxAgeMs;
    private final LongSupplier wallClockMs;

    /** @param maxAge zero: no limit, where a new group starts is left to {@code auto.offset.reset} */
    LiveStart(Duration maxAge, LongSupplier wallClockMs) {
        this.maxAgeMs = maxAge.toMillis();
        this.wallClockMs = wallClockMs;
    }

    /**
     * Seeks the newly assigned partitions without a committed offset past their records older than the maximum
     * age; returns what each one passes over (nothing for partitions whose records are all recent). Call from
     * {@code onPartitionsAssigned}.
     */
    List<Skipped> position(Consumer<?, ?> consumer, Collection<TopicPartition> assigned) {
        if (maxAgeMs <= 0 || assigned.isEmpty()) {
            return List.of();
        }
        Set<TopicPartition> fresh = new HashSet<>(assigned);
        Map<TopicPartition, Long> cutoffQuery = new HashMap<>();
        Map<TopicPartition, Long> firstQuery = new HashMap<>();
        long cutoff = wallClockMs.getAsLong() - maxAgeMs;
        Map<TopicPartition, OffsetAndTimestamp> kept;
        Map<TopicPartition, OffsetAndTimestamp> first;
        Map<TopicPartition, Long> ends;
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(fresh, TIMEOUT);
            fresh.removeIf(tp -> committed.get(tp) != null);
            if (fresh.isEmpty()) {
                return List.of();
            }
            fresh.forEach(tp -> {
                cutoffQuery.put(tp, cutoff);
                firstQuery.put(tp, 0L);
            });
            kept = consumer.offsetsForTimes(cutoffQuery, TIMEOUT);
            first = consumer.offsetsForTimes(firstQuery, TIMEOUT);
            ends = consumer.endOffsets(fresh, TIMEOUT);
        } catch (KafkaException e) {
            log.warn("could not look up where {} start (delivering from auto.offset.reset): {}", fresh,
                    e.getMessage());
            return List.of();
        }
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
