package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.listener.TransactionalPublisher.Progress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How large the next transactions may be after one took too long (the process-level test: ThrottledTransactionTest). */
class TransactionBudgetTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private final TransactionBudget budget = new TransactionBudget(LIMIT);

    @Test
    void aTransactionTheBrokerWasStillTakingWhenItRanOutOfTimeHalvesWhatItAcknowledged() {
        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);

        assertThat(budget.tooSlow(new Progress(4_000, 1_200, false))).isTrue();

        assertThat(budget.records()).isEqualTo(600);
    }

    @Test
    void aFailureWithNothingAcknowledgedIsAnOutageAndLeavesTheBudget() {
        assertThat(budget.tooSlow(new Progress(4_000, 0, false))).isFalse();
        assertThat(budget.tooSlow(new Progress(300, 0, true))).isFalse();

        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);
    }

    /** A broker that throttles a client also holds back its transaction's end: every record taken, the end late. */
    @Test
    void aTransactionWhoseRecordsWereAllTakenButWhoseEndCameTooLateHalvesItsSize() {
        assertThat(budget.tooSlow(new Progress(12, 12, false))).isTrue();

        assertThat(budget.records()).isEqualTo(6);
    }

    @Test
    void theBudgetNeverFallsBelowOneRecordNorGrowsOnAFailure() {
        budget.tooSlow(new Progress(10, 1, false));
        assertThat(budget.records()).isEqualTo(1);

        assertThat(budget.tooSlow(new Progress(2, 1, false))).isFalse();
        budget.tooSlow(new Progress(8_000, 7_000, false)); // more than the budget: it does not grow
        assertThat(budget.records()).isEqualTo(1);
    }

    /**
     * A full transaction committed well within the limit doubles the budget; one that took more than a quarter of it
     * would not fit twice its size, and doubling then failed every other transaction.
     */
    @Test
    void aFullTransactionCommittedWellInTimeDoublesTheBudgetUpToTheMaximum() {
        budget.tooSlow(new Progress(4_000, 2_000, false));
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
