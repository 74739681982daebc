package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.listener.TransactionPump.GapCause;
import io.dwb.schemas.GapReason;
import org.junit.jupiter.api.Test;

class PendingGapCauseTest {
    private static final GapCause RESTARTED = new GapCause(GapReason.ENGINE_RESTARTED,
            "the engine connection was lost (closed)");

    /**
     * The engine went away, and a heartbeat (or the commit of what was held) failed while the listener waited for it:
     * the gap the next subscription finds is the engine's restart. Before, every Kafka failure overwrote the cause,
     * and the gap alert blamed Kafka for an engine restart.
     */
    @Test
    void aKafkaFailureWhileTheEngineIsAwayLeavesTheEnginesCause() {
        PendingGapCause pending = new PendingGapCause();
        pending.disconnected(RESTARTED);

        pending.kafkaFailed("Timeout expired after 30000ms while awaiting EndTxn(true)");

        assertThat(pending.cause()).isEqualTo(RESTARTED);
    }

    /** Nor once the next subscription is open, until its continuity check has decided. */
    @Test
    void aKafkaFailureBeforeTheNextSubscriptionDecidedLeavesTheEnginesCause() {
        PendingGapCause pending = new PendingGapCause();
        pending.disconnected(new GapCause(GapReason.QUEUE_OVERFLOW, "the queue was full"));

        pending.kafkaFailed("no answer");

        assertThat(pending.cause().reason()).isEqualTo(GapReason.QUEUE_OVERFLOW);
    }

    /**
     * Once a subscription decided, the disconnection's cause is spent: a Kafka failure after it (which may end with
     * another listener's checkpoint, and a new subscription from it) is the cause of what the next one finds.
     */
    @Test
    void aKafkaFailureAfterTheSubscriptionDecidedIsTheCause() {
        PendingGapCause pending = new PendingGapCause();
        pending.disconnected(RESTARTED);
        pending.decided();

        pending.kafkaFailed("no answer");

        assertThat(pending.cause()).isEqualTo(new GapCause(GapReason.CHECKPOINT_NOT_REPLAYED,
                "Kafka failed (no answer)"));
    }

    /**
     * A host rebooted with Kafka not reachable yet: the first producer fails before the first subscription decides,
     * and the gap it finds is the listener's not running, not Kafka's.
     */
    @Test
    void aKafkaFailureBeforeTheFirstSubscriptionDecidedLeavesTheStartsCause() {
        PendingGapCause pending = new PendingGapCause();

        pending.kafkaFailed("no answer");

        assertThat(pending.cause()).isEqualTo(new GapCause(GapReason.CHECKPOINT_NOT_REPLAYED,
                "the listener was not running"));
    }

    /** The next disconnection's cause replaces a Kafka failure's. */
    @Test
    void aDisconnectionAfterAKafkaFailureIsTheCause() {
        PendingGapCause pending = new PendingGapCause();
        pending.decided();
        pending.kafkaFailed("no answer");

        pending.disconnected(RESTARTED);

        assertThat(pending.cause()).isEqualTo(RESTARTED);
    }
}
