package io.dwb.forwarder;

import java.util.Optional;

/**
 * The events topic as the consumer's metadata shows it, once a second: gone from it (deleted), back, or back with
 * fewer partitions than before (made again, by a listener's producer on a cluster that creates topics on first use:
 * the broker's defaults). Deleted while the forwarders ran, its partitions were revoked, every host forgotten, and
 * nothing was said but the Kafka client's own warnings, while /healthz stayed 200.
 *
 * <p>An absent topic is judged gone only once seen here, its partitions assigned: until then (a forwarder started
 * before the first listener, a consumer new after its instance id was refused) it is one not known yet. A count that
 * could not be read ({@link #UNKNOWN}: Kafka refusing, an authorization refused) makes absence unjudged until the
 * topic is seen again: a principal no longer allowed to describe the topic finds it absent from its metadata too.
 * Absent from the metadata counts as 0 only once a broker answered that the topic does not exist ({@link #UNDECIDED}
 * otherwise): the metadata loses the topic while Kafka is unreachable too.
 */
final class TopicPresence {
    /** A partition count the metadata could not give: nothing to judge by. */
    static final int UNKNOWN = -1;
    /**
     * The topic absent from the metadata, with no broker's answer that it does not exist (Kafka unreachable, a look-up
     * not answered: the metadata loses the topic in an outage too): nothing to judge by, and nothing changes.
     */
    static final int UNDECIDED = -2;

    enum Kind {
        /** Gone from the metadata: deleted. */
        GONE,
        /** Back, with as many partitions as before or more. */
        BACK,
        /** Back with fewer partitions than before: made again otherwise than it was. */
        BACK_FEWER,
        /** Fewer partitions than before, never seen gone: deleted and made again between two looks. */
        FEWER
    }

    /** A change to say: its kind, the partition count now (0: gone) and the one seen before. */
    record Change(Kind kind, int count, int before) {}

    /** Seen with partitions assigned, and no doubt since: its absence is a deletion. */
    private boolean seen;
    /** The last partition count seen, 0 until one is. */
    private int count;
    private boolean gone;

    /**
     * @param partitions the topic's partition count in the consumer's metadata now: 0 when it is not there, {@link
     *                   #UNKNOWN} when that could not be read, {@link #UNDECIDED} when its absence is not confirmed
     * @param assigned   whether partitions are assigned to this consumer now
     * @return what changed, to be said
     */
    Optional<Change> observe(int partitions, boolean assigned) {
        if (partitions == UNDECIDED) {
            return Optional.empty();
        }
        if (partitions < 0) {
            seen = false;
            return Optional.empty();
        }
        if (partitions == 0) {
            if (!seen || gone) {
                return Optional.empty();
            }
            gone = true;
            return Optional.of(new Change(Kind.GONE, 0, count));
        }
        Optional<Change> change = Optional.empty();
        if (gone) {
            gone = false;
            change = Optional.of(new Change(partitions < count ? Kind.BACK_FEWER : Kind.BACK, partitions, count));
        } else if (seen && partitions < count) {
            change = Optional.of(new Change(Kind.FEWER, partitions, count));
        }
        count = partitions;
        seen |= assigned;
        return change;
    }

    /** Whether the topic is gone from the metadata now. */
    boolean gone() {
        return gone;
    }

    /** Whether its absence from the metadata would be judged now (or it is gone already): worth looking. */
    boolean watched() {
        return seen || gone;
    }

    /** Whether the topic no longer has {@code partition}: gone, or made again with fewer partitions. */
    boolean lacks(int partition) {
        return gone || seen && partition >= count;
    }

    /**
     * A new consumer, whose metadata is empty until its first answer: its topic is not seen yet. One found gone stays
     * so until a count says it is back.
     */
    void newConsumer() {
        seen = false;
    }
}
