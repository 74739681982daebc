package io.dwb.forwarder;

import java.time.Duration;

/**
 * How many events Wazuh itself held lately, by its own state file: wazuh-agentd's buffer ({@code msg_buffer}) or
 * analysisd's event queue ({@code event_queue_usage} of {@code event_queue_size}). Both daemons exit without handing
 * on what they hold, so a restart loses it, after the forwarder committed its records: the {@link ResendWindow} keeps
 * that many more datagrams and a new socket gets them again ({@link WazuhQueue}).
 *
 * <p>The count kept is the largest read, not the last: by the time a send finds the old socket gone, the new daemon
 * has written its empty state. A lower count replaces it only when datagrams went to Wazuh since the last reading,
 * {@link #DRAINING} or more after it was read (the same daemon took them, a gate letting them through: it was passing
 * its events on); while nothing is sent (a gate waiting through a manager's outage, during which the agent may be
 * restarted) it stays, however long. A resend uses it up.
 * An upper bound of ours: Wazuh counts its other modules' events too.
 *
 * <p>Read and written on the sending thread (the gates and the queue socket are one sink).
 */
final class WazuhHeld {
    /** How long after the largest count datagrams must still go to Wazuh before a lower count replaces it. */
    static final Duration DRAINING = Duration.ofSeconds(60);
    /** The most bytes kept for it beyond the kernel's queue ({@link ResendWindow.Bound}); the heap is 72 MB. */
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private int capacity;
    private int peak;
    private long peakNanos;
    /** Datagrams Wazuh's socket took, and how many of them it had taken at the last reading. */
    private long sent;
    private long sentAtReading;

    /** How many events Wazuh holds at most (its buffer's or queue's size); 0, the default: not followed. */
    void capacity(int events) {
        capacity = Math.max(0, events);
    }

    int capacity() {
        return capacity;
    }

    /** A state read at {@code nowNanos}: Wazuh holds {@code events} (negative: unknown, nothing is changed). */
    void read(int events, long nowNanos) {
        if (events < 0) {
            return;
        }
        int count = Math.min(events, capacity);
        boolean sending = sent > sentAtReading;
        sentAtReading = sent;
        if (count >= peak || sending && nowNanos - peakNanos > DRAINING.toNanos()) {
            peak = count;
            peakNanos = nowNanos;
        }
    }

    /** Wazuh's socket took a datagram. */
    void sent() {
        sent++;
    }

    /** What Wazuh may have held of what the socket took: the count kept. */
    int held() {
        return peak;
    }

    /** A new socket was sent what Wazuh held: counting starts again from its next state. */
    void resent() {
        peak = 0;
    }
}
