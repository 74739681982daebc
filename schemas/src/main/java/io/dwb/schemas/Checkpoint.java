package io.dwb.schemas;

/**
 * The listener's resume point: the last engine event it published. Value of the compacted checkpoints topic, key
 * host id, committed in the same transaction as the events it covers.
 *
 * @param timeNano the event's {@code timeNano}: the {@code since} of the next subscription
 * @param eventId  the event's {@link EventId}: seeing it replayed is what proves continuity
 */
public record Checkpoint(long timeNano, String eventId) {}
