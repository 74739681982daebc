package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides, for one subscription made with {@link Replay#since}, which replayed events were already published and
 * whether continuity is proven. Continuity is proven only when the checkpointed event itself comes back (matched by
 * event id). An event too late to come before it means the engine no longer had the checkpointed event: a gap from
 * the checkpoint to the first event kept. Not thread-safe: the publishing thread owns it.
 *
 * <p>The engine's events are not strictly in {@code timeNano} order: it reads an event's time before taking the lock
 * under which it appends the event to its buffer, so two events made at once can be appended in the other order
 * (seen here: 144 µs back, once in 960 volume events from eight concurrent loops). Its replay walks the buffer back
 * from the newest and stops at the first event older than {@code since}. Subscribing from the checkpoint's own time
 * would then stop before the checkpointed event when an event appended after it is older (a false gap, and that
 * event never replayed), or replay events appended before it (published again, after a false gap). So the
 * subscription starts {@link #REORDER_NANOS} earlier, and an event decides a gap only when it is later than the
 * checkpoint by more than that; events between are held until then. Later than the latest event published, when that
 * is later than the checkpoint: on a swarm manager a service, node, secret or config event carries the time the raft
 * leader gave its object, seconds before local events handed over ahead of it, and the checkpoint is then that event.
 * Only the engine's clock, read before the subscription ({@link Replay#of}), says a host clock went back.
 *
 * <p>Nor does the engine hand events to a subscriber in its buffer's order: it appends under a lock, then publishes
 * from a goroutine per subscriber, so where a replay returns an event, before or after the checkpointed one, does
 * not say whether it was published. Within the checkpoint's {@link Checkpoint.Recent} window the event's id does:
 * one in it is skipped wherever it comes, one not in it is published (after the proof or the gap). Before that
 * window (and with a checkpoint of an earlier listener, which has none) order decides: what comes before the
 * checkpointed event, or is older than it, was published.
 *
 * <p>A subscription made again before any event was read has no checkpoint: {@link #sinceWatchStart} asks the
 * engine's whole buffer, and an event older than the start of the watch proves it (the engine's buffer still reaches
 * back before the listener began watching: it did not restart and dropped nothing since); such events were made
 * before the watch and are never published.
 */
public final class ContinuityCheck {
    /** How far the engine's buffer order may stray from time order; the replay starts this much before. */
    public static final long REORDER_NANOS = 1_000_000_000L;
    /**
     * Events held undecided at most, in {@link CapturedEvent#bytes}: only a burst right after a checkpointed event
     * the engine forgot (a gap anyway) comes near it, so the gap is decided once it is reached rather than holding
     * the burst.
     */
    static final long HOLD_BYTES = 4L << 20;

    /** Where a resumed subscription's replay starts, and so what an event's time can say about it. */
    public enum Replay {
        /** From {@link #REORDER_NANOS} before the checkpoint: the engine's clock has not gone back past that. */
        SINCE_CHECKPOINT,
        /**
         * The engine's whole buffer: its clock went back past the checkpoint (a host clock stepped back), so the
         * events made since are older than the checkpoint, and a replay from its time would return none of them.
         * Only the buffer's order places an event before or after the checkpointed one.
         */
        WHOLE_BUFFER;

        /**
         * The replay for a subscription resuming from {@code checkpoint} when the engine's clock reads this. Behind
         * the latest event published, not only the checkpoint: after a step back, the checkpoint is an event made
         * after it, and the engine's buffer still holds those made before, later by the step (a replay from the
         * checkpoint's time returns them all, before it, as if the engine had forgotten it: a false gap, and every one
         * published again).
         */
        static Replay of(Checkpoint checkpoint, long latestPublishedNanos, long engineNowNanos) {
            long latest = Math.max(checkpoint.timeNano(), latestPublishedNanos);
            return engineNowNanos < latest - REORDER_NANOS ? WHOLE_BUFFER : SINCE_CHECKPOINT;
        }

        /** Its {@code since}, in nanoseconds since the epoch (1 ns for the whole buffer: the engine's zero is none). */
        public long since(Checkpoint checkpoint) {
            return this == WHOLE_BUFFER ? 1 : checkpoint.timeNano() - REORDER_NANOS;
        }
    }

    /**
     * The window in which events may have been lost; {@code lastEventId} is the checkpointed event's, null when the
     * subscription had none (a reconnection before any event was read: the window starts with the watch).
     */
    public record GapWindow(long fromNano, long toNano, String lastEventId) {}

    /** What to do with what arrived: publish these events, after a gap record when there is one. */
    public record Verdict(GapWindow gap, List<CapturedEvent> publish) {
        static final Verdict NOTHING = new Verdict(null, List.of());
    }

    /** Null when resuming from the start of the watch instead ({@link #sinceWatchStart}). */
    private final Checkpoint checkpoint;
    /** The checkpoint's time, or the start of the watch: where a gap starts, what an event is later than. */
    private final long fromNano;
    /**
     * What an event held before the checkpointed one must be later than, by more than {@link #REORDER_NANOS}, to
     * decide a gap: the latest time of any event published, when later than the checkpoint's. The checkpoint is the
     * last event published, not always the latest: a swarm event stamped by the raft leader seconds before local
     * events handed over ahead of it. The engine appended those before it, and its replay returns them before it;
     * measured from the checkpoint's own time, the first of them more than a second later decided a false gap, and
     * every one of them was published again after it.
     */
    private final long gapAfterNano;
    /** The events published (or held) with a time from its {@code fromNano} on, as this subscription adds to them. */
    private final RecentlyPublished published;
    private boolean decided;
    private boolean proven;
    /** Replayed events passed over as older than the checkpoint: the replay on its way to the checkpointed event. */
    private long passedOver;
    /**
     * Events seen before the checkpointed event and not known to be published: those in the recent window were not
     * (published if it comes, or after the gap); those before it, not older than the checkpoint, were if it comes
     * (they were appended before it) and were never published if the engine forgot it (everything it kept came after
     * it).
     */
    private final List<CapturedEvent> held = new ArrayList<>();
    private final Set<String> heldIds = new HashSet<>();
    private long heldBytes;
    /** The recent window when the subscription started; nothing is added to it before the decision. */
    private final long recentFrom;
    private final Replay replay;
    /** Without a checkpoint: the engine's clock went back since the watch began, so times prove nothing. */
    private final boolean clockWentBack;

    /**
     * @param checkpoint null for a first start: nothing to prove, everything is new
     * @param published  the events published just before the checkpoint (none known before a checkpoint of an earlier
     *                   listener: order alone decides), and those the subscription's own events add
     * @param replay     how the subscription's replay was asked for
     */
    public ContinuityCheck(Checkpoint checkpoint, RecentlyPublished published, Replay replay) {
        this(checkpoint, checkpoint == null ? Long.MIN_VALUE : checkpoint.timeNano(), checkpoint == null, false,
                published, replay);
    }

    private ContinuityCheck(Checkpoint checkpoint, long fromNano, boolean decided, boolean clockWentBack,
                            RecentlyPublished published, Replay replay) {
        this.replay = replay;
        this.clockWentBack = clockWentBack;
        this.checkpoint = checkpoint;
        this.fromNano = fromNano;
        this.gapAfterNano = checkpoint == null ? fromNano : Math.max(fromNano, published.latestNano());
        this.decided = decided;
        this.published = published;
        this.recentFrom = published.fromNano();
    }

    /**
     * For a subscription made again before any event was read (a reconnection, the engine restarted or the
     * connection lost): nothing was published to resume from, but the listener has watched since {@code
     * watchFromNanos} and seen nothing. It asks the engine's whole buffer ({@link Replay#WHOLE_BUFFER}): an event
     * older than that proves continuity; the first one later by more than {@link #REORDER_NANOS}, or none in the
     * continuity wait, means the engine no longer had what it made before the watch (it restarted, or the events made
     * meanwhile filled its buffer): a gap from the start of the watch.
     *
     * @param clockWentBack the engine's clock is behind where it should be since the watch began (a host clock
     *                      stepped back): the events made since may be older than its start too, so no time proves
     *                      anything: a gap at the first event, and everything the engine kept is published (events
     *                      from before the watch with it)
     */
    public static ContinuityCheck sinceWatchStart(long watchFromNanos, boolean clockWentBack,
                                                  RecentlyPublished published) {
        return new ContinuityCheck(null, watchFromNanos, false, clockWentBack, published, Replay.WHOLE_BUFFER);
    }

    /** False for {@link #sinceWatchStart}: no checkpointed event to prove continuity with. */
    public boolean fromCheckpoint() {
        return checkpoint != null;
    }

    public boolean decided() {
        return decided;
    }

    /**
     * How many replayed events were passed over, undecided, as older than the checkpoint: while it grows, the replay
     * is still on its way to the checkpointed event, and the engine is no quiet one. (A replay of the whole buffer,
     * or one without a checkpoint, passes nothing over by time.)
     */
    long passedOver() {
        return passedOver;
    }

    /** True once the checkpointed event was replayed (without a checkpoint: an event from before the watch). */
    public boolean proven() {
        return proven;
    }

    public Verdict offer(CapturedEvent event) {
        if (checkpoint == null) {
            return offerSinceWatchStart(event);
        }
        if (!decided && event.id().equals(checkpoint.eventId())) {
            decided = true;
            proven = true;
            // Those before the window were appended before the checkpointed event: published in its transaction or
            // earlier. Those in it are not among the events published: handed over after it.
            List<CapturedEvent> publish = held.stream().filter(this::inRecentWindow).toList();
            held.clear();
            heldIds.clear();
            heldBytes = 0;
            return new Verdict(null, publish);
        }
        if (published.contains(event)) {
            // Published, wherever the replay puts it; or handed over twice: by the replay and live, when the engine
            // appended it before the subscription and published it after (it does both outside one lock).
            return Verdict.NOTHING;
        }
        if (decided) {
            return new Verdict(null, List.of(event));
        }
        if (replay == Replay.WHOLE_BUFFER) {
            // Times say nothing here: hold everything until the checkpointed event places it (before it: published)
            // or the engine turns out to have forgotten it (everything it kept came after it).
            return hold(event, 0);
        }
        long t = event.identity().time().orElse(Long.MAX_VALUE);
        if (t < checkpoint.timeNano() && !inRecentWindow(event)) {
            // Published before the checkpoint; or, if the engine forgot it, one made with it and appended just after
            // it: kept only if the engine forgot the checkpointed event last of all, not worth holding the replay.
            passedOver++;
            return Verdict.NOTHING;
        }
        // Held until the decision. Later than the checkpoint (or than the latest event published, when that is
        // later) by more than REORDER_NANOS: too late to have been appended before the checkpointed event, which the
        // engine therefore no longer had (what it kept came after it): a gap.
        return hold(event, t - gapAfterNano);
    }

    /** {@link #offer} without a checkpoint: before the watch, never published; after it, published once decided. */
    private Verdict offerSinceWatchStart(CapturedEvent event) {
        if (published.contains(event)) {
            return Verdict.NOTHING; // handed over twice: by the replay and live
        }
        long t = event.identity().time().orElse(Long.MAX_VALUE);
        if (clockWentBack) {
            return decided ? new Verdict(null, List.of(event)) : hold(event, Long.MAX_VALUE);
        }
        if (t < fromNano) {
            if (decided) {
                return Verdict.NOTHING;
            }
            decided = true;
            proven = true;
            List<CapturedEvent> publish = List.copyOf(held);
            held.clear();
            heldIds.clear();
            heldBytes = 0;
            return new Verdict(null, publish);
        }
        if (decided) {
            return new Verdict(null, List.of(event));
        }
        return hold(event, t - fromNano);
    }

    /** Holds an event {@code laterByNanos} than {@link #gapAfterNano} until the decision, or decides a gap. */
    private Verdict hold(CapturedEvent event, long laterByNanos) {
        String id = RecentlyPublished.idOf(event);
        if (id != null && !heldIds.add(id)) {
            return Verdict.NOTHING; // handed over twice, in the replay and live: held once
        }
        held.add(event);
        heldBytes += event.bytes();
        if (laterByNanos <= REORDER_NANOS && heldBytes < HOLD_BYTES) {
            return Verdict.NOTHING;
        }
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
        return gap(Math.max(subscribedAtNanos, fromNano));
    }

    private boolean inRecentWindow(CapturedEvent event) {
        return event.identity().time().orElse(Long.MIN_VALUE) >= recentFrom;
    }

    /**
     * The gap up to the earliest event held after the checkpoint (one held from the recent window may be older), or
     * {@code orElse} when none is; the events held published after it.
     */
    private Verdict gap(long orElse) {
        decided = true;
        long to = orElse;
        for (CapturedEvent e : held) {
            long t = e.identity().time().orElse(Long.MAX_VALUE);
            if (t >= fromNano) {
                to = Math.min(to, t);
            }
        }
        if (to == Long.MAX_VALUE) { // none after it by time: the engine's clock went back, or only recent ones
            to = fromNano;
        }
        List<CapturedEvent> publish = List.copyOf(held);
        held.clear();
        heldIds.clear();
        heldBytes = 0;
        return new Verdict(new GapWindow(fromNano, to, checkpoint == null ? null : checkpoint.eventId()), publish);
    }
}
