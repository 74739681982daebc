package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where a run of offsets no poll can read ends, found by doubling then halving: each try a poll out of memory, so
 * few of them, and never a readable start passed over after the run.
 */
class UnreadableOffsetsTest {

    @Test
    void aRunOfAnyLengthEndsWhereTheFirstReadableStartIsAndTakesAboutTwiceItsLogarithmInTries() {
        for (int length = 1; length <= 5_000; length++) {
            long at = 1_000;
            long firstReadable = at + length;
            List<Long> tried = new ArrayList<>();
            long last = UnreadableOffsets.lastOf(at, start -> {
                tried.add(start);
                return start >= firstReadable;
            }, 64);
            assertThat(last).as("run of %d", length).isEqualTo(firstReadable - 1);
            long failedTries = tried.stream().filter(s -> s < firstReadable).count();
            assertThat(failedTries).as("run of %d", length)
                    .isLessThanOrEqualTo(2L * (64 - Long.numberOfLeadingZeros(length)) + 1);
        }
    }

    @Test
    void triesCappedStillPassOverOnlyStartsThatFailed() {
        long at = 0;
        long firstReadable = 1_000_000;
        long last = UnreadableOffsets.lastOf(at, start -> start >= firstReadable, 5);
        assertThat(last).as("progress, within the run").isBetween(at + 1, firstReadable - 1);
    }
}
