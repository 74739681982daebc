package io.dwb.runtime;

import java.util.function.LongPredicate;

/**
 * Where a run of offsets no poll can read ends. Kafka's consumer reads a batch's records in order from its first, so
 * once one record of a batch cannot be read (a record of a million empty headers is ~61 MB of objects, more than a
 * small heap holds), no start within the rest of that batch reads either. From {@code at}, known not to read, starts
 * further on are tried, the step doubling, then halved between the last start that failed and the first that read:
 * about twice the logarithm of the run's length in tries, each a poll out of memory. A readable batch between two
 * unreadable ones that the doubling jumped over ends up inside the run: telling it apart would take a try an offset.
 */
public final class UnreadableOffsets {
    private UnreadableOffsets() {}

    /**
     * The last offset of the run from {@code at}: the start before the first one found to read, or, after
     * {@code maxFailedTries} tries that failed, the last of them.
     *
     * @param readsFrom whether a poll from the offset reads (false: it ran out of memory)
     */
    public static long lastOf(long at, LongPredicate readsFrom, int maxFailedTries) {
        long failed = at;
        long reads = -1;
        int fails = 1;
        for (long step = 1; fails < maxFailedTries && at + step > at; step *= 2) {
            if (readsFrom.test(at + step)) {
                reads = at + step;
                break;
            }
            failed = at + step;
            fails++;
        }
        while (reads > failed + 1 && fails < maxFailedTries) {
            long mid = failed + (reads - failed) / 2;
            if (readsFrom.test(mid)) {
                reads = mid;
            } else {
                failed = mid;
                fails++;
            }
        }
        return failed;
    }
}
