package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.forwarder.StalledPartitions.Change;
import io.dwb.forwarder.StalledPartitions.Ends;
import io.dwb.forwarder.StalledPartitions.Released;
import io.dwb.forwarder.StalledPartitions.Stalled;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A partition stalled behind a transaction nobody ends, told from the readings of its written and stable ends once a
 * second (the unit layer under OpenTransactionStallTest), with a fake clock. A transaction left open holds a
 * read_committed forwarder's partition at its stable end, while the lag, measured to that end, reads 0: nothing said
 * so, and every host of the partition had its alerts delayed silently.
 */
class StalledPartitionsTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long THRESHOLD = 120 * SECOND;
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);
    private static final Set<TopicPartition> BOTH = Set.of(P0, P1);

    private final StalledPartitions stalls = new StalledPartitions(THRESHOLD);

    private List<Change> read(long atSeconds, TopicPartition tp, long written, long stable) {
        return stalls.read(Map.of(tp, new Ends(written, stable)), BOTH, atSeconds * SECOND);
    }

    @Test
    void aStableEndThatStandsStillWithRecordsPastItIsStalledOnceThenReleasedWhenItMoves() {
        assertThat(read(0, P0, 101, 100)).as("a transaction opens at 100").isEmpty();
        for (long t = 1; t < 120; t++) {
            assertThat(read(t, P0, 100 + t, 100)).as("at %d s", t).isEmpty();
        }
        assertThat(stalls.stalled()).isZero();

        assertThat(read(120, P0, 230, 100)).containsExactly(new Stalled(P0, 100, 130, 120 * SECOND));
        assertThat(stalls.stalled()).isEqualTo(1);
        assertThat(stalls.longestNanos(125 * SECOND)).isEqualTo(125 * SECOND);

        for (long t = 121; t < 900; t++) {
            assertThat(read(t, P0, 110 + t, 100)).as("said once: at %d s", t).isEmpty();
        }
        assertThat(stalls.waiting()).as("records waiting, as last read").isEqualTo(909);

        assertThat(read(900, P0, 1012, 1012)).as("aborted at the broker's timeout: all decided")
                .containsExactly(new Released(P0, 100, 1012, 900 * SECOND, true));
        assertThat(stalls.stalled()).isZero();
        assertThat(stalls.longestNanos(901 * SECOND)).isZero();
        assertThat(stalls.waiting()).isZero();
    }

    /** Every listener's commit puts the written end past the stable end for a moment; a busy partition, always. */
    @Test
    void aBusyPartitionWhoseStableEndMovesAtEveryReadingIsNeverStalled() {
        for (long t = 0; t < 3600; t++) {
            long stable = 100 + 50 * t;
            assertThat(read(t, P0, stable + 30, stable)).as("at %d s", t).isEmpty();
        }
        assertThat(stalls.stalled()).isZero();
    }

    /** A listener that dies mid-transaction holds its partition until the broker aborts it: about 70 s. */
    @Test
    void aTransactionHeldUntilTheListenersTimeoutIsNotAStall() {
        for (long t = 0; t <= 71; t++) {
            assertThat(read(t, P0, 100 + 5 * t + 1, 100)).isEmpty();
        }
        assertThat(read(72, P0, 500, 500)).as("aborted: released without ever being said").isEmpty();
        assertThat(read(73, P0, 501, 500)).isEmpty();
    }

    /** A quiet partition's stable end may not have moved for hours: the stall counts from the first record past it. */
    @Test
    void theStallIsTimedFromTheFirstReadingWithRecordsPastTheStableEnd() {
        for (long t = 0; t < 3600; t++) {
            assertThat(read(t, P0, 100, 100)).isEmpty();
        }
        assertThat(read(3600, P0, 101, 100)).isEmpty();
        assertThat(read(3719, P0, 150, 100)).isEmpty();
        assertThat(read(3720, P0, 150, 100)).containsExactly(new Stalled(P0, 100, 50, 120 * SECOND));
    }

    /**
     * A writer that opens a new transaction as soon as the last one is aborted: each stall is said, and released, on
     * its own, timed from its own stable end.
     */
    @Test
    void aNewTransactionOpenRightAfterTheLastOneEndedIsANewStall() {
        read(0, P0, 101, 100);
        assertThat(read(120, P0, 120, 100)).hasSize(1);
        assertThat(read(900, P0, 400, 300)).as("the first aborted, the stable end moved to the next one's start")
                .containsExactly(new Released(P0, 100, 300, 900 * SECOND, true));
        assertThat(read(1019, P0, 420, 300)).isEmpty();
        assertThat(read(1020, P0, 420, 300)).containsExactly(new Stalled(P0, 300, 120, 120 * SECOND));
    }

    /** A leader that does not answer says nothing about its partition: what was known of it stays. */
    @Test
    void aPartitionNotAnsweredKeepsWhatWasKnownOfIt() {
        read(0, P0, 101, 100);
        for (long t = 1; t < 200; t++) {
            assertThat(stalls.read(Map.of(P1, new Ends(7, 7)), BOTH, t * SECOND)).isEmpty();
        }
        assertThat(read(200, P0, 150, 100)).as("answered again, still held: timed from the first reading")
                .containsExactly(new Stalled(P0, 100, 50, 200 * SECOND));
        assertThat(stalls.read(Map.of(), BOTH, 300 * SECOND)).as("no answer at all").isEmpty();
        assertThat(stalls.stalled()).isEqualTo(1);
    }

    /** A partition revoked (a rebalance) is its new owner's to judge: released, forgotten. */
    @Test
    void aPartitionNoLongerWatchedIsReleasedAndForgotten() {
        read(0, P0, 101, 100);
        read(0, P1, 11, 10);
        assertThat(read(130, P1, 11, 10)).hasSize(1);
        assertThat(stalls.read(Map.of(P0, new Ends(101, 100)), Set.of(P0), 131 * SECOND))
                .containsExactlyInAnyOrder(new Stalled(P0, 100, 1, 131 * SECOND),
                        new Released(P1, 10, -1, 131 * SECOND, false));
        assertThat(stalls.stalled()).isEqualTo(1);
        assertThat(stalls.read(Map.of(P1, new Ends(11, 10)), BOTH, 132 * SECOND))
                .as("assigned again: a new stall, timed from now").isEmpty();
        assertThat(stalls.read(Map.of(), Set.of(), 133 * SECOND)).containsExactly(
                new Released(P0, 100, -1, 133 * SECOND, false));
        assertThat(stalls.stalled()).isZero();
    }

    @Test
    void eachPartitionIsStalledOnItsOwnAndCounted() {
        Map<TopicPartition, Ends> ends = new HashMap<>();
        ends.put(P0, new Ends(105, 100));
        ends.put(P1, new Ends(3, 3));
        stalls.read(ends, BOTH, 0);
        ends.put(P1, new Ends(13, 3));
        stalls.read(ends, BOTH, 60 * SECOND);
        assertThat(stalls.read(ends, BOTH, 120 * SECOND)).containsExactly(new Stalled(P0, 100, 5, 120 * SECOND));
        assertThat(stalls.read(ends, BOTH, 180 * SECOND)).containsExactly(new Stalled(P1, 3, 10, 120 * SECOND));
        assertThat(stalls.stalled()).isEqualTo(2);
        assertThat(stalls.longestNanos(200 * SECOND)).isEqualTo(200 * SECOND);
        assertThat(stalls.waiting()).isEqualTo(15);
    }
}
