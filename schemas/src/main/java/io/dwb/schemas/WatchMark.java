package io.dwb.schemas;

/**
 * The checkpoints topic's value for a host whose listener has published no event yet: it has watched the engine
 * since {@code watchingSince} (the engine's clock, nanoseconds since the epoch) and read nothing. A listener started
 * again resumes that watch: what the engine made while it was down is published, or a gap says what may be lost.
 * Without it, such a listener started again as a first start, from now: what was made while it was down was not
 * looked for, and nothing said so. The host's first event's checkpoint replaces it (same key, compacted).
 *
 * <p>Listeners before this value read it as an unreadable checkpoint (a {@code checkpoint-unreadable} gap, then a
 * start from now), and write nothing over it until the host's first event: after a rollback, each start says it.
 */
public record WatchMark(long watchingSince) {
    /** The field that tells a watch mark from a checkpoint, which has {@code eventId} instead. */
    public static final String FIELD = "watchingSince";
}
