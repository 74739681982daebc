package io.dwb.listener;

/**
 * The ranges of offsets a checkpoint lookup reads, newest first: from the partition's stable end back to its first
 * offset, {@code step} offsets at a time. The lookup reads a range, and stops at the first that holds one of the
 * host's values; {@link #missed} moves to the next, older one.
 */
final class LookupSteps {
    private final long begin;
    private final long step;
    private long to;

    /** @param begin the partition's first offset; @param end its stable end; @param step a range's length */
    LookupSteps(long begin, long end, long step) {
        if (step <= 0) {
            throw new IllegalArgumentException("step must be above 0: " + step);
        }
        this.begin = begin;
        this.step = step;
        this.to = end;
    }

    /** Whether there is a range left to read. */
    boolean hasNext() {
        return to > begin;
    }

    /** The first offset of the range to read. */
    long from() {
        return Math.max(begin, to - step);
    }

    /** The end of the range to read (exclusive). */
    long to() {
        return to;
    }

    /** The range held none of the host's values: the next range is the one before it. */
    void missed() {
        to = from();
    }
}
