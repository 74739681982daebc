package io.dwb.forwarder;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * Hands a partition's silent-host watch from its previous owner to this forwarder: a newly assigned partition with a
 * committed offset is read again from {@code --watch-handover} before it, its records there only feeding the watch
 * (they were delivered). Without it, a new owner knew a host only from its next heartbeat: a host silent or stopped
 * just before a rebalance (a forwarder's restart or upgrade, a scale-out) was reported by nobody, and one reported
 * silent before it was never said back.
 *
 * <p>Where the previous owner stopped is dated by the offset's metadata: the partition's time as its watch measured
 * it ({@link SilentHostWatch#timeMs}), from its hosts' heartbeats and bounded against any one host's clock, which
 * every commit carries ({@link #metadata}). A commit without it (a forwarder from before, a start that skipped
 * history, a partition without heartbeats) is dated by this process's clock: a group lagging more than the look-back
 * then re-reads nothing.
 */
final class WatchHandover {
    private static final Logger log = LoggerFactory.getLogger(WatchHandover.class);
    /**
     * At most this many offsets of a partition are read again, whatever the times say: a record dated far ahead by
     * a writer of the topic makes Kafka's time index find it first, however old it is.
     */
    static final long MAX_OFFSETS = 200_000;
    private static final String PREFIX = "dwb-partition-time-ms=";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final long lookBackMs;
    private final LongSupplier wallClockMs;

    /** @param lookBack how far before the previous owner's position heartbeats are read again; zero: not at all */
    WatchHandover(Duration lookBack, LongSupplier wallClockMs) {
        this.lookBackMs = lookBack.toMillis();
        this.wallClockMs = wallClockMs;
    }

    /**
     * What a commit tells the partition's next owner, as its offset's metadata: how far its watch had got in the
     * partition ({@code partitionTimeMs}, -1 when not known), and whether host-state alerts it queued were not sent
     * yet ({@code alertsUnsent}: Wazuh refusing, or pacing a burst). The next owner takes the hosts silent by then as
     * reported by this one, unless they may be among those. {@code stillSinceMs} (-1 when not so) is the partition's
     * time when it stopped taking writes, in an outage still going on: its hosts' silences stood still from then (its
     * time running on), and the next owner lets them stand still from then too. {@code ranOnMs} (-1: not said, a
     * forwarder before it) is how far that time ran on with the clock past the furthest its records took it
     * ({@link SilentHostWatch#ranOnMs}): the next owner's time, read again from the same records, is on another count
     * (another host's clock gave it its first time), so it adds this to its own rather than take the time as it is.
     */
    record Mark(long partitionTimeMs, boolean alertsUnsent, long stillSinceMs, long ranOnMs) {
        static final Mark NONE = new Mark(-1, false, -1, -1);
        private static final String UNSENT = ";dwb-host-alerts-unsent";
        private static final String STILL_SINCE = "dwb-still-since-ms=";
        private static final String RAN_ON = "dwb-ran-on-ms=";

        Mark(long partitionTimeMs, boolean alertsUnsent) {
            this(partitionTimeMs, alertsUnsent, -1, -1);
        }

        Mark(long partitionTimeMs, boolean alertsUnsent, long stillSinceMs) {
            this(partitionTimeMs, alertsUnsent, stillSinceMs, -1);
        }

        /** {@link #partitionTimeMs}, or {@code otherwise} when not known. */
        long timeMsOr(long otherwise) {
            return partitionTimeMs < 0 ? otherwise : partitionTimeMs;
        }

        /** The metadata to commit: empty when there is nothing to tell. */
        String metadata() {
            return partitionTimeMs < 0 ? "" : PREFIX + partitionTimeMs + (alertsUnsent ? UNSENT : "")
                    + (stillSinceMs < 0 ? "" : ";" + STILL_SINCE + stillSinceMs)
                    + (ranOnMs < 0 ? "" : ";" + RAN_ON + ranOnMs);
        }

        /**
         * What a commit's metadata says; {@link #NONE} when it says nothing of ours (a forwarder from before). Parts
         * after the time that it does not know ({@code ;…}, a later version's) are passed over: a forwarder that took
         * the whole rest for the time, as the first did, read a later mark as none (a rollback lost what it said).
         */
        static Mark of(OffsetAndMetadata committed) {
            String metadata = committed.metadata();
            if (metadata == null || !metadata.startsWith(PREFIX)) {
                return NONE;
            }
            int end = metadata.indexOf(';', PREFIX.length());
            String time = metadata.substring(PREFIX.length(), end < 0 ? metadata.length() : end);
            List<String> parts = end < 0 ? List.of() : List.of(metadata.substring(end + 1).split(";"));
            long timeMs;
            try {
                timeMs = Long.parseLong(time);
            } catch (NumberFormatException e) {
                return NONE; // not ours: another tool committed for the group
            }
            long stillSince = -1;
            long ranOn = -1;
            for (String part : parts) {
                if (part.startsWith(STILL_SINCE)) {
                    stillSince = number(part.substring(STILL_SINCE.length()));
                } else if (part.startsWith(RAN_ON)) {
                    ranOn = number(part.substring(RAN_ON.length()));
                }
            }
            return new Mark(timeMs, parts.contains(UNSENT.substring(1)), stillSince, ranOn);
        }

        /** A part's number; -1 when it is none or below 0: that part alone is not read, the time and the rest are. */
        private static long number(String text) {
            try {
                return Math.max(-1, Long.parseLong(text));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }

    /** A partition handed over: its previous owner's committed offset, and where it is read again from. */
    record SoughtBack(OffsetAndMetadata committed, long from) {}

    /**
     * Seeks each of {@code committed}'s partitions back to its first record of the look-back before its committed
     * offset, when there is one; returns the committed offsets of those sought back, and where. Kafka not answering:
     * none is, and their hosts are known from their next heartbeats (said in the log).
     */
    Map<TopicPartition, SoughtBack> seekBack(Consumer<?, ?> consumer,
                                             Map<TopicPartition, OffsetAndMetadata> committed) {
        if (committed.isEmpty() || lookBackMs == 0) {
            return Map.of();
        }
        long now = wallClockMs.getAsLong();
        Map<TopicPartition, Long> query = new HashMap<>();
        committed.forEach((tp, offset) -> query.put(tp,
                Math.max(0, Math.min(Mark.of(offset).timeMsOr(now), now) - lookBackMs)));
        Map<TopicPartition, OffsetAndTimestamp> found;
        try {
            found = consumer.offsetsForTimes(query, TIMEOUT);
        } catch (WakeupException e) {
            throw e; // a stop (a KafkaException too): not Kafka failing to answer, and the assignment ends here
        } catch (KafkaException e) {
            log.warn("could not look up where the heartbeats before {} start ({}): their hosts are watched from their "
                    + "next heartbeats, and one silent now is not reported", committed.keySet(), e.getMessage());
            return Map.of();
        }
        Map<TopicPartition, SoughtBack> handedOver = new HashMap<>();
        committed.forEach((tp, offset) -> {
            OffsetAndTimestamp first = found.get(tp);
            if (first == null) {
                return; // nothing in the look-back, nor after it
            }
            long from = Math.max(first.offset(), offset.offset() - MAX_OFFSETS);
            if (from < offset.offset()) {
                // With its leader epoch when known, so that the consumer checks the position against the log.
                consumer.seek(tp, new OffsetAndMetadata(from, from == first.offset() ? first.leaderEpoch()
                        : Optional.empty(), ""));
                handedOver.put(tp, new SoughtBack(offset, from));
            }
        });
        return handedOver;
    }
}
