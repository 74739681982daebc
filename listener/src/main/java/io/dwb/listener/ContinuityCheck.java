package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for one subscription made with {@link #since}, which replayed events were already published and whether
 * continuity is proven. Continuity is proven only when the checkpointed event itself comes back (matched by event
 * id): everything before it is skipped. An event too late to come before it means the engine no longer had the
 * checkpointed event: a gap from the checkpoint to the first event kept. Not thread-safe: the publishing thread owns
 * it.
 *
 * <p>The engine's events are not strictly in {@code timeNano} order: it reads an event's time before taking the lock
 * under which it appends the event to its buffer, so two events made at once can be appended in the other order
 * (seen here: 144 µs back, once in 960 volume events from eight concurrent loops). Its replay walks the buffer back
 * from the newest and stops at the first event older than {@code since}. Subscribing from the checkpoint's own time
 * would then stop before the checkpointed event when an event appended after it is older (a false gap, and that
 * event never replayed), or replay events appended before it (published again, after a false gap). So the
 * subscription starts {@link #REORDER_NANOS} earlier, and an event decides a gap only when it is later than the
 * checkpoint by more than that; events between are held until then.
 */
public final class ContinuityCheck {
    /** How far the engine's buffer order may stray from time order; the replay starts this much before. */
    public static final long REORDER_NANOS = 1_000_000_000L;
    /**
     * Events held undecided in bytes at most: only a burst right after a checkpointed event the engine forgot (a gap
     * anyway) comes near it, so the gap is decided once it is reached rather than holding the burst.
     */
    static final long HOLD_BYTES = 4L << 20;

    /** The window in which events may have been lost. */
    public record GapWindow(long fromNano, long toNano, String lastEventId) {}

    /** What to do with what arrived: publish these events, after a gap record when there is one. */
    public record Verdict(GapWindow gap, List<CapturedEvent> publish) {
        static final Verdict NOTHING = new Verdict(null, List.of());
    }

    private final Checkpoint checkpoint;
    private boolean decided;
    private boolean proven;
    /**
     * Events not older than the checkpoint seen before the checkpointed event: published already if it comes (they
     * were appended before it), never published if the engine forgot it (everything it kept came after it).
     */
    private final List<CapturedEvent> held = new ArrayList<>();
    private long heldBytes;

    /** @param checkpoint null for a first start: nothing to prove, everything is new */
    public ContinuityCheck(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        this.decided = checkpoint == null;
    }

    /** The {@code since} of a subscription resuming from {@code checkpoint}, in nanoseconds since the epoch. */
    public static long since(Checkpoint checkpoint) {
        return checkpoint.timeNano() - REORDER_NANOS;
    }

    public boolean decided() {
        return decided;
    }

    /** True once the checkpointed event was replayed. */
    public boolean proven() {
        return proven;
    }

    public Verdict offer(CapturedEvent event) {
        if (decided) {
            return new Verdict(null, List.of(event));
        }
        if (event.id().equals(checkpoint.eventId())) {
            decided = true;
            proven = true;
            held.clear(); // appended before the checkpointed event: published in its transaction or earlier
            return Verdict.NOTHING;
        }
        long t = event.identity().time().orElse(Long.MAX_VALUE);
        if (t < checkpoint.timeNano()) {
            // Published before the checkpoint; or, if the engine forgot it, one made with it and appended just after
            // it: kept only if the engine forgot the checkpointed event last of all, not worth holding the replay.
            return Verdict.NOTHING;
        }
        held.add(event);
        heldBytes += event.json().length;
        if (t - checkpoint.timeNano() <= REORDER_NANOS && heldBytes < HOLD_BYTES) {
            return Verdict.NOTHING;
        }
        // Too late to have been appended before the checkpointed event, which the engine therefore no longer had:
        // its memory no longer reaches back far enough. What it kept came after it and was never published.
        return gap(Long.MAX_VALUE);
    }

    /**
     * Called when the engine replayed nothing that decides (a quiet engine): the checkpointed event is not coming,
     * so the gap reaches from the checkpoint to the first event held, or else to the time of the subscription.
     */
    public Verdict expire(long subscribedAtNanos) {
        if (decided) {
            return Verdict.NOTHING;
        }
        return gap(Math.max(subscribedAtNanos, checkpoint.timeNano()));
    }

    /** The gap up to the earliest event held, or {@code orElse} when none is; the events held published after it. */
    private Verdict gap(long orElse) {
        decided = true;
        long to = orElse;
        for (CapturedEvent e : held) {
            to = Math.min(to, e.identity().time().orElse(Long.MAX_VALUE));
        }
        List<CapturedEvent> publish = List.copyOf(held);
        held.clear();
        heldBytes = 0;
        return new Verdict(new GapWindow(checkpoint.timeNano(), to, checkpoint.eventId()), publish);
    }
}
