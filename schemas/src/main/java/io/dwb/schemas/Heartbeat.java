package io.dwb.schemas;

/**
 * Value of a {@code kind=heartbeat} record: the listener of a host is alive. A forwarder that sees none from a host
 * for three intervals raises a {@code silent-host} alert.
 *
 * @param time             RFC 3339 time the heartbeat was made
 * @param timeNano         the same in nanoseconds since the epoch
 * @param intervalSeconds  the listener's heartbeat interval
 * @param engineConnected  whether the listener is subscribed to the engine right now
 * @param lastEventNano    {@code timeNano} of the last event published, null before the first (and while that time
 *                         is outside {@link EpochNanos}'s range: an engine clock not set)
 */
public record Heartbeat(String time, long timeNano, long intervalSeconds, boolean engineConnected,
                        Long lastEventNano) {}
