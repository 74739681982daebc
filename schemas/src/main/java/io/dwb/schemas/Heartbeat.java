package io.dwb.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Value of a {@code kind=heartbeat} record: the listener of a host is alive. A forwarder that sees none from a host
 * for {@link #MISSED_INTERVALS} intervals raises a {@code silent-host} alert, or a {@code listener-stopped} one when
 * the last heartbeat said it was {@code stopping}.
 *
 * @param time             RFC 3339 time the heartbeat was made
 * @param timeNano         the same in nanoseconds since the epoch
 * @param intervalSeconds  the listener's heartbeat interval
 * @param engineConnected  whether the listener is subscribed to the engine right now
 * @param lastEventNano    {@code timeNano} of the last event published, null before the first (and while that time
 *                         is outside {@link EpochNanos}'s range: an engine clock not set)
 * @param stopping         true on the last heartbeat of a listener told to stop (SIGTERM): none follows until it
 *                         starts again, so a forwarder says it stopped instead of calling the host silent; absent
 *                         (null) on every other heartbeat, so that forwarders from before the field still take them
 */
public record Heartbeat(String time, long timeNano, long intervalSeconds, boolean engineConnected,
                        Long lastEventNano, @JsonInclude(JsonInclude.Include.NON_NULL) Boolean stopping) {

    /** A host whose heartbeats stopped for this many of its intervals is silent (or stopped, after a last one). */
    public static final int MISSED_INTERVALS = 3;

    /** A heartbeat of a listener that goes on running. */
    public Heartbeat(String time, long timeNano, long intervalSeconds, boolean engineConnected, Long lastEventNano) {
        this(time, timeNano, intervalSeconds, engineConnected, lastEventNano, null);
    }
}
