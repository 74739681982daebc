package io.dwb.schemas;

/**
 * Value of a {@code kind=gap} record: the listener could not prove that it saw every event between {@code from} and
 * {@code to}. Events of that window may be lost; a {@code state} record follows so the current containers are known.
 *
 * @param from      RFC 3339 time of the last event published before the gap (the checkpoint)
 * @param to        RFC 3339 time from which events are complete again
 * @param fromNano  {@code from} as the engine's {@code timeNano}
 * @param toNano    {@code to} in nanoseconds since the epoch
 * @param reason    a short code, {@link GapReason#code}: {@code checkpoint-not-replayed}, {@code queue-overflow},
 *                  {@code engine-restarted}, {@code checkpoint-unreadable}
 * @param detail    a sentence a person can read
 * @param lastEventId the {@link EventId} of the checkpointed event, null when unknown
 */
public record Gap(String from, String to, long fromNano, long toNano, String reason, String detail,
                  String lastEventId) {}
