package io.dwb.listener;

/**
 * The ranges of offsets a checkpoint lookup reads, newest first, from the partition's stable end back to its first
 * offset. The first is {@code step} offsets long (a running listener's checkpoint is there, or a few steps back), and
 * each range that holds none of the host's values ({@link #missed}) is followed by one twice as long, up to the
 * partition's first offset: a miss over N offsets (a host without a checkpoint; one stopped long) takes about
 * log2(N / step) ranges, each a seek and a fetch at least. Fixed steps took N / step: compaction keeps offsets, so a
 * months-old partition is tens of millions of offsets holding few records. What a range costs beyond its fetch is its
 * records, and a hit reads at most twice the offsets back to it (plus a step) that fixed steps read.
 *
 * <p>A range longer than a step that cannot be read in one piece (a poll out of memory, or refused by Kafka's consumer:
 * a corrupt batch) is {@link #split}: read again in steps of {@code step}, newest first, then the ranges grow again
 * from where it began. So the search for records no poll can read, which reads a range one record a poll, never covers
 * more than a step, as before the ranges grew.
 */
final class LookupSteps {
    private final long begin;
    private final long step;
    private long to;
    /** The length of the range to read (it stops at the first offset, or at a split range's). */
    private long length;
    /** While a range is read again in steps: its first offset, and the length of the range after it; else -1. */
    private long splitFrom = -1;
    private long lengthAfterSplit;

    /** @param begin the partition's first offset; @param end its stable end; @param step the first range's length */
    LookupSteps(long begin, long end, long step) {
        if (step <= 0) {
            throw new IllegalArgumentException("step must be above 0: " + step);
        }
        this.begin = begin;
        this.step = step;
        this.to = end;
        this.length = step;
    }

    /** Whether there is a range left to read. */
    boolean hasNext() {
        return to > begin;
    }

    /** The first offset of the range to read. */
    long from() {
        return Math.max(splitFrom >= 0 ? Math.max(begin, splitFrom) : begin, to - length);
    }

    /** The end of the range to read (exclusive). */
    long to() {
        return to;
    }

    /** Whether the range to read is a step at most: the unit of the search for records no poll can read. */
    boolean searchable() {
        return to - from() <= step;
    }

    /** The range held none of the host's values: the next is the one before it, twice as long. */
    void missed() {
        to = from();
        if (splitFrom < 0) {
            length = twice(length);
        } else if (to <= splitFrom) {
            splitFrom = -1;
            length = lengthAfterSplit;
        }
    }

    /** The range, longer than a step, could not be read in one piece: it is read again in steps, newest first. */
    void split() {
        if (searchable()) {
            throw new IllegalStateException("a range of a step at most is searched, not split: " + from() + " to "
                    + to);
        }
        lengthAfterSplit = twice(length);
        splitFrom = from();
        length = step;
    }

    private static long twice(long n) {
        return n > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : n * 2;
    }
}
