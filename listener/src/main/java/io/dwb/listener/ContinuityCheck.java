package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides, for one subscription made with {@code since = checkpoint.timeNano}, which replayed events were already
 * published and whether continuity is proven. The engine replays events with {@code timeNano >= since}; continuity
 * is proven only when the checkpointed event itself comes back (matched by event id): everything up to it is
 * skipped. An event later than the checkpoint arriving first means the engine no longer had the checkpointed event:
 * a gap from the checkpoint to that event. Not thread-safe: the publishing thread owns it.
 */
public final class ContinuityCheck {
    /** The window in which events may have been lost. */
    public record GapWindow(long fromNano, long toNano, String lastEventId) {}

    /** What to do with what arrived: publish these events, after a gap record when there is one. */
    public record Verdict(GapWindow gap, List<CapturedEvent> publish) {
        static final Verdict NOTHING = new Verdict(null, List.of());
    }

    private final Checkpoint checkpoint;
    private boolean decided;
    private boolean proven;
    /** Events with the checkpoint's exact timeNano seen before the checkpointed event: maybe published already. */
    private final List<CapturedEvent> sameTime = new ArrayList<>();

    /** @param checkpoint null for a first start: nothing to prove, everything is new */
    public ContinuityCheck(Checkpoint checkpoint) {
        this.checkpoint = checkpoint;
        this.decided = checkpoint == null;
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
        long t = event.identity().time().orElse(Long.MAX_VALUE);
        long since = checkpoint.timeNano();
        if (t < since) {
            return Verdict.NOTHING; // published before the checkpoint
        }
        if (t == since) {
            if (event.id().equals(checkpoint.eventId())) {
                decided = true;
                proven = true;
                sameTime.clear(); // they came before the checkpointed event: published in its transaction or earlier
                return Verdict.NOTHING;
            }
            sameTime.add(event);
            return Verdict.NOTHING;
        }
        // The engine kept later events but not the checkpointed one: its memory no longer reaches back far enough.
        // Same-time events it did keep are then newer than the lost checkpoint event, so they were never published.
        decided = true;
        List<CapturedEvent> publish = new ArrayList<>(sameTime);
        publish.add(event);
        sameTime.clear();
        return new Verdict(new GapWindow(since, t, checkpoint.eventId()), publish);
    }

    /**
     * Called when the engine replayed nothing that decides (a quiet engine): the checkpointed event is not coming,
     * so the gap reaches from the checkpoint to the time of the subscription.
     */
    public Verdict expire(long subscribedAtNanos) {
        if (decided) {
            return Verdict.NOTHING;
        }
        decided = true;
        List<CapturedEvent> publish = new ArrayList<>(sameTime);
        sameTime.clear();
        long to = Math.max(subscribedAtNanos, checkpoint.timeNano());
        return new Verdict(new GapWindow(checkpoint.timeNano(), to, checkpoint.eventId()), publish);
    }
}
