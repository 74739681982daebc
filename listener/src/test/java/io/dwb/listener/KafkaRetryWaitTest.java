package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wait before the next producer: prompt after a single failure, doubling while no transaction commits (whatever
 * producers were made ready meanwhile: the capture loop does not tell it of them), started over by a commit.
 */
class KafkaRetryWaitTest {
    private static final Duration FIRST = Duration.ofSeconds(CaptureLoop.KAFKA_RETRY_FIRST_SECONDS);
    private static final Duration MAX = Duration.ofSeconds(CaptureLoop.KAFKA_RETRY_MAX_SECONDS);

    private final KafkaRetryWait waits = new KafkaRetryWait(FIRST, MAX, () -> 0); // no spread: the bare waits

    /** Each wait is up to a quarter longer at random: a fleet failing together does not come back as one herd. */
    @Test
    void eachWaitIsSpreadUpToAQuarterLonger() {
        KafkaRetryWait spread = new KafkaRetryWait(FIRST, MAX, () -> 0.5);
        assertThat(spread.failed()).isEqualTo(Duration.ofMillis(1_125));
        assertThat(spread.failed()).isEqualTo(Duration.ofMillis(2_250));
    }

    @Test
    void aSingleFailureIsRetriedAfterTheFirstWait() {
        assertThat(waits.failed()).isEqualTo(Duration.ofSeconds(1));
    }

    /**
     * A broker that takes each producer and fails each transaction: every failure comes after a producer was made
     * ready, none after a commit, so the waits grow to the cap, 1 + 2 + 4 s before the 4th producer, then one every
     * 30 s. Before, each ready producer started them over: one a second, for ever.
     */
    @Test
    void failuresWithoutACommitBetweenThemDoubleUpToTheCap() {
        List<Duration> each = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            each.add(waits.failed());
        }
        assertThat(each).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    }

    @Test
    void aCommitStartsTheWaitsOver() {
        for (int i = 0; i < 10; i++) {
            waits.failed();
        }
        waits.committed();
        assertThat(waits.failed()).as("the first failure after a commit").isEqualTo(FIRST);
        assertThat(waits.failed()).as("and the next one, without a commit").isEqualTo(Duration.ofSeconds(2));
    }

    /**
     * A broker that takes every other transaction (a throttled one, whose commits of a smaller transaction go
     * through, TransactionBudget): each failure follows a commit, so each is retried at once.
     */
    @Test
    void failuresEachAfterACommitAreEachRetriedPromptly() {
        for (int i = 0; i < 5; i++) {
            assertThat(waits.failed()).isEqualTo(FIRST);
            waits.committed();
        }
    }
}
