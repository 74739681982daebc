package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ranges a checkpoint lookup reads, newest first: the first is the partition's last 2,000 offsets (a running
 * listener's checkpoint is there, or a few steps back), and each range that holds none of the host's values is
 * followed by one twice as long, so a miss over a partition of N offsets (a first start; a listener stopped long)
 * takes about log2(N / 2,000) ranges, each a seek and a fetch at least, not N / 2,000.
 */
class LookupStepsTest {
    private static final long STEP = 2_000;

    /** The ranges read, [from, to), when each misses (at most 100,000 of them: a bound for the test only). */
    private static List<long[]> misses(long begin, long end) {
        List<long[]> ranges = new ArrayList<>();
        for (LookupSteps steps = new LookupSteps(begin, end, STEP); steps.hasNext() && ranges.size() < 100_000;
             steps.missed()) {
            ranges.add(new long[] {steps.from(), steps.to()});
        }
        return ranges;
    }

    @Test
    void theFirstRangeIsThePartitionsLastStep() {
        LookupSteps steps = new LookupSteps(0, 1_000_000, STEP);

        assertThat(steps.hasNext()).isTrue();
        assertThat(new long[] {steps.from(), steps.to()}).containsExactly(998_000, 1_000_000);
    }

    @Test
    void eachMissDoublesTheNextRange() {
        assertThat(misses(0, 100_000)).startsWith(
                new long[] {98_000, 100_000},
                new long[] {94_000, 98_000},
                new long[] {86_000, 94_000},
                new long[] {70_000, 86_000},
                new long[] {38_000, 70_000});
    }

    @Test
    void aMissOverTheWholePartitionTakesLogarithmicallyManyRangesAndReadsEveryOffsetOnce() {
        for (long length : new long[] {1, 2_000, 2_001, 10_000, 1_000_000, 50_000_000, 1_000_000_000_000L}) {
            long begin = 7_000;
            List<long[]> ranges = misses(begin, begin + length);

            long bound = 64 - Long.numberOfLeadingZeros((length + STEP - 1) / STEP); // ceil(log2(length/STEP + 1))
            assertThat(ranges).as("a miss over %,d offsets", length).hasSizeLessThanOrEqualTo((int) bound);
            assertThat(ranges.get(0)[1]).isEqualTo(begin + length);
            for (int i = 1; i < ranges.size(); i++) {
                assertThat(ranges.get(i)[1]).as("contiguous").isEqualTo(ranges.get(i - 1)[0]);
            }
            assertThat(ranges.get(ranges.size() - 1)[0]).as("down to the first offset, no further").isEqualTo(begin);
        }
    }

    @Test
    void aMissOver50MillionOffsetsTakes15RangesWhereFixedStepsTook25000() {
        assertThat(misses(0, 50_000_000)).hasSize(15);
    }

    @Test
    void anEmptyPartitionHasNoRange() {
        assertThat(misses(42, 42)).isEmpty();
    }

    @Test
    void offsetsNearTheLongLimitDoNotOverflow() {
        List<long[]> ranges = misses(0, Long.MAX_VALUE);

        assertThat(ranges).hasSizeLessThanOrEqualTo(64);
        assertThat(ranges.get(ranges.size() - 1)[0]).isZero();
        for (long[] range : ranges) {
            assertThat(range[0]).isLessThan(range[1]).isNotNegative();
        }
    }

    /** The ranges read from [begin, end) when each misses, the {@code split}-th range split (0 is the first). */
    private static List<long[]> missesSplitting(long begin, long end, int split) {
        List<long[]> ranges = new ArrayList<>();
        LookupSteps steps = new LookupSteps(begin, end, STEP);
        for (int i = 0; steps.hasNext(); i++) {
            if (i == split) {
                assertThat(steps.searchable()).as("longer than a step").isFalse();
                steps.split();
            }
            assertThat(steps.searchable()).isEqualTo(steps.to() - steps.from() <= STEP);
            ranges.add(new long[] {steps.from(), steps.to()});
            steps.missed();
        }
        return ranges;
    }

    /**
     * A range longer than a step that a poll could not read is read again in steps, newest first (the search for
     * records no poll can read covers a step at most), then the ranges grow again from where it began.
     */
    @Test
    void aRangeTooLongToReadInOnePieceIsReadAgainInStepsThenTheRangesGrowAgain() {
        assertThat(missesSplitting(0, 100_000, 2)).startsWith(
                new long[] {98_000, 100_000},
                new long[] {94_000, 98_000},
                new long[] {92_000, 94_000}, // [86,000, 94,000) split
                new long[] {90_000, 92_000},
                new long[] {88_000, 90_000},
                new long[] {86_000, 88_000},
                new long[] {70_000, 86_000},
                new long[] {38_000, 70_000});
    }

    @Test
    void aSplitRangeCutShortByTheFirstOffsetEndsThere() {
        assertThat(missesSplitting(0, 10_000, 2)).containsExactly(
                new long[] {8_000, 10_000},
                new long[] {4_000, 8_000},
                new long[] {2_000, 4_000},
                new long[] {0, 2_000});
        assertThat(missesSplitting(500, 9_000, 2)).containsExactly(
                new long[] {7_000, 9_000},
                new long[] {3_000, 7_000},
                new long[] {1_000, 3_000},
                new long[] {500, 1_000});
    }

    @Test
    void aStepIsSearchedNotSplit() {
        LookupSteps steps = new LookupSteps(0, 100_000, STEP);

        assertThat(steps.searchable()).isTrue();
        assertThatThrownBy(steps::split).isInstanceOf(IllegalStateException.class);
    }
}
