package io.dwb.listener;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The engine times (timeNano) of the events sent in the open transaction, so that its commit can tell each one's
 * latency; a transaction that fails ends the pump's run, and its times go with it, unmeasured, as it was never
 * published. A transaction holds at most {@link TransactionPump#MAX_BATCH} records, so the array grows to that at most
 * and is reused. Not thread-safe: the publishing thread owns it.
 */
final class EventTimes {
    private long[] times = new long[64];
    private int size;

    void add(long timeNano) {
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
        }
        times[size++] = timeNano;
    }

    /** The transaction committed at {@code nowEpochNanos}: each event's latency to {@code latency}, then cleared. */
    void committed(long nowEpochNanos, LongConsumer latency) {
        for (int i = 0; i < size; i++) {
            latency.accept(nowEpochNanos - times[i]);
        }
        size = 0;
    }

    int size() {
        return size;
    }
}
