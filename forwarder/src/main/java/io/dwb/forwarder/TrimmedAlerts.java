package io.dwb.forwarder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The outcome of trimming, kept for the last few records that needed it: trimming a large event is the most
 * expensive work the forwarder does for one, and the same record may be routed more than once (the delivery loop
 * keeps a record's route across retries, so for it this is only a bound on the worst case).
 * Keyed by the record itself (identity: a record fetched again after a rebalance is trimmed again). Bounded: the
 * oldest entry goes first, so at most {@value #CAPACITY} datagrams of up to 64 KiB are held.
 */
final class TrimmedAlerts {
    static final int CAPACITY = 16;

    private final Map<ConsumerRecord<byte[], byte[]>, Optional<AlertTrimmer.Fitted>> byRecord =
            new LinkedHashMap<>(CAPACITY * 2) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<ConsumerRecord<byte[], byte[]>,
                        Optional<AlertTrimmer.Fitted>> eldest) {
                    return size() > CAPACITY;
                }
            };

    /**
     * The fitted datagram of {@code record}: the one kept, else {@code fit}'s, kept when it needed trimming or could
     * not fit (an ordinary event's is cheap to make again and not worth the memory).
     */
    Optional<AlertTrimmer.Fitted> of(ConsumerRecord<byte[], byte[]> record,
                                     Supplier<Optional<AlertTrimmer.Fitted>> fit) {
        Optional<AlertTrimmer.Fitted> kept = byRecord.get(record);
        if (kept != null) {
            return kept;
        }
        Optional<AlertTrimmer.Fitted> fitted = fit.get();
        if (fitted.isEmpty() || fitted.get().truncated()) {
            byRecord.put(record, fitted);
        }
        return fitted;
    }
}
