package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.listener.TransactionalPublisher.Progress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How large the next transactions may be after one took too long (the process-level test: ThrottledTransactionTest). */
class TransactionBudgetTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final long LATELY = Duration.ofSeconds(1).toNanos();
    private final TransactionBudget budget = new TransactionBudget(LIMIT);

    @Test
    void aTransactionTheBrokerWasStillTakingWhenItRanOutOfTimeHalvesWhatItAcknowledged() {
        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);

        assertThat(budget.tooSlow(new Progress(4_000, 1_200, LATELY, false))).isTrue();

        assertThat(budget.records()).isEqualTo(600);
    }

    @Test
    void anOutageLeavesTheBudget() {
        assertThat(budget.tooSlow(new Progress(4_000, 0, LIMIT.toNanos(), false))).as("nothing acknowledged")
                .isFalse();
        assertThat(budget.tooSlow(new Progress(2, 2, LATELY, false)))
                .as("everything acknowledged, the commit's end unanswered (a coordinator away)").isFalse();
        assertThat(budget.tooSlow(new Progress(4_000, 3_000, Duration.ofSeconds(20).toNanos(), false)))
                .as("the broker went away early in the wait").isFalse();
        assertThat(budget.tooSlow(new Progress(10, 10, LATELY, true)))
                .as("aborted by the broker with everything taken (the host was suspended)").isFalse();

        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);
    }

    @Test
    void theBudgetNeverFallsBelowOneRecordNorGrowsOnAFailure() {
        budget.tooSlow(new Progress(10, 1, LATELY, false));
        assertThat(budget.records()).isEqualTo(1);

        assertThat(budget.tooSlow(new Progress(2, 1, LATELY, false))).isFalse();
        budget.tooSlow(new Progress(8_000, 7_000, LATELY, false)); // more than the budget: it does not grow
        assertThat(budget.records()).isEqualTo(1);
    }

    /**
     * A full transaction committed well within the limit doubles the budget; one that took more than a quarter of it
     * would not fit twice its size, and doubling then failed every other transaction.
     */
    @Test
    void aFullTransactionCommittedWellInTimeDoublesTheBudgetUpToTheMaximum() {
        budget.tooSlow(new Progress(4_000, 2_000, LATELY, false));
        assertThat(budget.records()).isEqualTo(1_000);
        long quick = Duration.ofSeconds(2).toNanos();

        budget.committed(999, quick); // not full: no sign the broker takes more in time
        assertThat(budget.records()).isEqualTo(1_000);
        budget.committed(1_000, Duration.ofSeconds(8).toNanos()); // over a quarter of 30 s
        assertThat(budget.records()).isEqualTo(1_000);
        budget.committed(1_000, quick);
        assertThat(budget.records()).isEqualTo(2_000);
        budget.committed(2_000, quick);
        budget.committed(4_000, quick);
        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);
    }
}
