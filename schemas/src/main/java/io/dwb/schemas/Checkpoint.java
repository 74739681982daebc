package io.dwb.schemas;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The listener's resume point: the last engine event it published. Value of the compacted checkpoints topic, key
 * host id, committed in the same transaction as the events it covers.
 *
 * @param timeNano the event's {@code timeNano}: the {@code since} of the next subscription
 * @param eventId  the event's {@link EventId}: seeing it replayed is what proves continuity
 * @param recent   the events published just before it, which a replay may return in another order; null in a
 *                 checkpoint written before it was kept (and in a position that does not carry it)
 *
 * <p>Fields it does not know are left out, not refused: a listener rolled back over a newer one's checkpoint (a fleet
 * rolls back host by host) reads its position instead of taking it for unreadable, each host a
 * {@code checkpoint-unreadable} gap and the events of its restart lost, as the listeners of before {@code recent} did.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Checkpoint(long timeNano, String eventId, Recent recent) {
    /** How many event ids {@link Recent} keeps at most: the value stays under 4 KiB. */
    public static final int RECENT_IDS = 128;
    /** How many hexadecimal digits of an {@link EventId} {@link Recent} keeps. */
    public static final int RECENT_ID_DIGITS = 16;

    /** A position only: where to resume, without the events published before it. */
    public Checkpoint(long timeNano, String eventId) {
        this(timeNano, eventId, null);
    }

    /** This checkpoint as a position: what two checkpoints of the same event have in common. */
    public Checkpoint position() {
        return recent == null ? this : new Checkpoint(timeNano, eventId);
    }

    /**
     * Every event published with a {@code timeNano} from {@code fromNano} on, as the first {@link #RECENT_ID_DIGITS}
     * hexadecimal digits of its {@link EventId}; {@code latestNano} is the latest time of any event published (after
     * a clock stepped back, later than the checkpoint's). The engine hands concurrent events to a subscriber in
     * another order than it keeps them for a replay, so where a replay returns an event (before or after the
     * checkpointed one) does not say whether it was published; within this window its id does. The ids may also hold
     * events stamped before {@code fromNano}, published when the latest time was already within that second (a swarm
     * event the raft leader dated seconds before local events published ahead of it, or one made after a host clock
     * stepped back): published too, wherever a replay puts them.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Recent(long fromNano, long latestNano, List<String> ids) {
        public Recent {
            ids = List.copyOf(ids);
        }

        /** The {@link Recent} form of an event id. */
        public static String idOf(String eventId) {
            return eventId.substring(0, Math.min(RECENT_ID_DIGITS, eventId.length()));
        }
    }
}
