package io.dwb.forwarder;

import java.time.Duration;

/**
 * How many events Wazuh itself held lately, by its own state file: wazuh-agentd's buffer ({@code msg_buffer}) or
 * analysisd's event queue ({@code event_queue_usage} of {@code event_queue_size}). Both daemons exit without handing
 * on what they hold, so a restart loses it, after the forwarder committed its records: the {@link ResendWindow} keeps
 * that many more datagrams and a new socket gets them again ({@link WazuhQueue}). The count is the largest read within
 * the last {@link #RECENT}, not the last one: by the time a send finds the old socket gone, the new daemon may have
 * written its empty state already. An upper bound of ours: Wazuh counts its other modules' events too.
 *
 * <p>Written by a gate's reading, read by the sending thread: the fields are volatile.
 */
final class WazuhHeld {
    /** How long a count read stays the one a restart resends: a few of the daemons' 5 s state writes. */
    static final Duration RECENT = Duration.ofSeconds(60);
    /** The most bytes kept for it beyond the kernel's queue ({@link ResendWindow.Bound}): the forwarder's heap is 72 MB. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private volatile int capacity;
    private volatile int peak;
    private volatile long peakNanos;

    /** How many events Wazuh holds at most (its buffer's or queue's size); 0, the default: not followed. */
    void capacity(int events) {
        capacity = Math.max(0, events);
    }

    int capacity() {
        return capacity;
    }

    /** A state read at {@code nowNanos}: Wazuh holds {@code events} (negative or unknown: nothing is changed). */
    void read(int events, long nowNanos) {
        if (events < 0) {
            return;
        }
        if (events >= peak || nowNanos - peakNanos > RECENT.toNanos()) {
            peak = Math.min(events, Math.max(capacity, 0));
            peakNanos = nowNanos;
        }
    }

    /** What Wazuh may have held of what the socket took, as of {@code nowNanos}: the largest count read lately. */
    int recently(long nowNanos) {
        return nowNanos - peakNanos > RECENT.toNanos() ? 0 : peak;
    }
}
