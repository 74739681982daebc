package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.listener.TransactionalPublisher.Progress;
import org.junit.jupiter.api.Test;

/** How large the next transactions may be after one took too long (the process-level test: ThrottledTransactionTest). */
class TransactionBudgetTest {
    private final TransactionBudget budget = new TransactionBudget();

    @Test
    void aTransactionTheBrokerTookTooSlowlyHalvesWhatItAcknowledgedInTime() {
        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);

        assertThat(budget.tooSlow(new Progress(4_000, 1_200, false))).isTrue();

        assertThat(budget.records()).isEqualTo(600);
        assertThat(budget.reduced()).isTrue();
    }

    @Test
    void aFailureWithNothingAcknowledgedIsAnOutageAndLeavesTheBudget() {
        assertThat(budget.tooSlow(new Progress(4_000, 0, false))).isFalse();

        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);
    }

    @Test
    void aTransactionTheBrokerAbortedWithNothingAcknowledgedHalvesWhatItHeld() {
        assertThat(budget.tooSlow(new Progress(300, 0, true))).isTrue();

        assertThat(budget.records()).isEqualTo(150);
    }

    @Test
    void theBudgetNeverFallsBelowOneRecordNorGrowsOnAFailure() {
        budget.tooSlow(new Progress(10, 1, false));
        assertThat(budget.records()).isEqualTo(1);

        assertThat(budget.tooSlow(new Progress(1, 1, false))).isFalse();
        budget.tooSlow(new Progress(8_000, 7_000, false)); // more than the budget: it does not grow
        assertThat(budget.records()).isEqualTo(1);
    }

    @Test
    void eachFullTransactionCommittedDoublesAReducedBudgetUpToTheMaximum() {
        budget.tooSlow(new Progress(4_000, 2_000, false));
        assertThat(budget.records()).isEqualTo(1_000);

        budget.committed(999); // not full: no sign the broker takes more in time
        assertThat(budget.records()).isEqualTo(1_000);
        budget.committed(1_000);
        assertThat(budget.records()).isEqualTo(2_000);
        budget.committed(2_000);
        budget.committed(4_000);
        assertThat(budget.records()).isEqualTo(TransactionBudget.MAX_RECORDS);
        assertThat(budget.reduced()).isFalse();
    }
}
