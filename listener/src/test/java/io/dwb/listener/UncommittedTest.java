package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.EventIdentity;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint a commit carries when nothing moved it: none while it was written recently, the same one again once
 * it went unwritten for {@link Uncommitted#REWRITE_AFTER} (so that a quiet host's newest checkpoint stays near the
 * end of its partition, where the lookup starts), and never another than the one committed. Times are the monotonic
 * clock's, passed in.
 */
class UncommittedTest {
    private static final long T0 = 1_800_000_000_000_000_000L;
    private static final String HOST_ID = "0123456789abcdef0123456789abcdef";
    private static final long INTERVAL = Uncommitted.REWRITE_AFTER.toNanos();
    private static final long START = 7_000_000_000L;

    @Test
    void anIdleCommitWritesTheCheckpointAgainOnceItWentUnwrittenForTheIntervalAndNotBefore() {
        Uncommitted uncommitted = new Uncommitted(null);
        uncommitted.hold(record(1), event(1));
        Checkpoint written = uncommitted.committing(1, START);
        assertThat(written.position()).isEqualTo(position(1));
        assertThat(written.recent()).isNotNull();
        uncommitted.commit();

        assertThat(idleCommit(uncommitted, START + 1)).as("just written").isNull();
        assertThat(idleCommit(uncommitted, START + INTERVAL - 1)).as("not yet").isNull();
        assertThat(idleCommit(uncommitted, START + INTERVAL)).as("the same record again, its recent events too")
                .isEqualTo(written);
        assertThat(idleCommit(uncommitted, START + INTERVAL + 1)).as("the interval starts over").isNull();
        assertThat(idleCommit(uncommitted, START + 2 * INTERVAL - 1)).isNull();
        assertThat(idleCommit(uncommitted, START + 2 * INTERVAL)).isEqualTo(written);
        assertThat(uncommitted.committed()).isEqualTo(position(1));
    }

    @Test
    void anEventThatMovesTheCheckpointStartsTheIntervalOver() {
        Uncommitted uncommitted = new Uncommitted(null);
        uncommitted.hold(record(1), event(1));
        uncommitted.committing(1, START);
        uncommitted.commit();
        long moved = START + INTERVAL - 1;
        uncommitted.hold(record(2), event(2));
        Checkpoint second = uncommitted.committing(1, moved);
        uncommitted.commit();

        assertThat(idleCommit(uncommitted, START + INTERVAL)).as("written a moment ago, by the event").isNull();
        assertThat(idleCommit(uncommitted, moved + INTERVAL)).isEqualTo(second);
    }

    /**
     * After a failed commit, Kafka's checkpoint older than the one committed here is Kafka's loss (another listener
     * moves it on), newer is another listener's: both drop what was held, for the engine's replay from it.
     */
    @Test
    void aCheckpointFoundOlderThanTheOneCommittedIsTakenForKafkasLossANewerForAnotherListeners() {
        Uncommitted back = new Uncommitted(null);
        back.hold(record(1), event(1));
        back.hold(record(2), event(2));
        back.committing(2, START);
        back.commit();
        back.hold(record(3), event(3));
        Uncommitted.Reconciliation r = back.reconcile(position(1));
        assertThat(r.outcome()).isEqualTo(Uncommitted.Reconciled.ROLLED_BACK);
        assertThat(r.taken().events()).as("held, dropped").isEqualTo(1);
        assertThat(back.committed()).isEqualTo(position(1));

        Uncommitted moved = new Uncommitted(position(2));
        moved.hold(record(3), event(3));
        assertThat(moved.reconcile(position(4)).outcome()).isEqualTo(Uncommitted.Reconciled.DROPPED);
    }

    /** The checkpoint a lookup found at start (or another listener moved it to): when it was written is unknown. */
    @Test
    void aCheckpointFoundInKafkaIsWrittenAgainByTheFirstIdleCommit() {
        Checkpoint found = new Checkpoint(position(3).timeNano(), position(3).eventId(),
                new Checkpoint.Recent(T0 + 2_500_000_000L, T0 + 3_000_000_000L, List.of("00112233aabbccdd")));
        Uncommitted uncommitted = new Uncommitted(null);
        assertThat(uncommitted.reconcile(found).outcome()).isEqualTo(Uncommitted.Reconciled.DROPPED);

        assertThat(idleCommit(uncommitted, START)).as("exactly as found").isEqualTo(found);
        assertThat(idleCommit(uncommitted, START + 1)).isNull();
        assertThat(idleCommit(uncommitted, START + INTERVAL)).isEqualTo(found);
    }

    @Test
    void aFirstStartWithoutACheckpointWritesNone() {
        Uncommitted uncommitted = new Uncommitted(null);
        assertThat(idleCommit(uncommitted, START)).isNull();
        assertThat(idleCommit(uncommitted, START + 3 * INTERVAL)).isNull();
    }

    /**
     * An event read but not committed yet moved the pending checkpoint, not the committed one: a commit of a part
     * before it (what a failed transaction held, republished in parts) writes the committed one again, never the
     * pending one, which would skip the event were the rest never committed.
     */
    @Test
    void aPartWithoutEventsWritesTheCommittedCheckpointAgainNeverThePendingOne() {
        Uncommitted uncommitted = new Uncommitted(null);
        uncommitted.hold(record(1), event(1));
        Checkpoint written = uncommitted.committing(1, START);
        uncommitted.commit();
        uncommitted.hold(record(-1), T0 + 1_500_000_000L); // a gap, say: the listener's own record
        uncommitted.hold(record(2), event(2));
        assertThat(uncommitted.pending()).isEqualTo(position(2));

        assertThat(uncommitted.committing(1, START + INTERVAL)).isEqualTo(written);
        uncommitted.commit();
        assertThat(uncommitted.committed()).isEqualTo(position(1));
        assertThat(uncommitted.committing(1, START + INTERVAL + 1).position()).as("then the event's")
                .isEqualTo(position(2));
    }

    /** A commit that failed is not a write: the checkpoint is still due, and written by the next producer's commit. */
    @Test
    void aRewriteWhoseCommitFailedIsDueAgain() {
        Uncommitted uncommitted = new Uncommitted(null);
        uncommitted.hold(record(1), event(1));
        Checkpoint written = uncommitted.committing(1, START);
        uncommitted.commit();
        assertThat(uncommitted.committing(0, START + INTERVAL)).isEqualTo(written); // its commit fails

        assertThat(uncommitted.reconcile(written).outcome()).as("the next producer finds the same checkpoint")
                .isEqualTo(Uncommitted.Reconciled.KEPT);
        assertThat(idleCommit(uncommitted, START + INTERVAL + 1)).isEqualTo(written);
        assertThat(idleCommit(uncommitted, START + INTERVAL + 2)).isNull();
    }

    /** A commit holding nothing (a heartbeat's transaction): what it carries; then it went through. */
    private static Checkpoint idleCommit(Uncommitted uncommitted, long nowNanos) {
        Checkpoint carried = uncommitted.committing(0, nowNanos);
        uncommitted.commit();
        return carried;
    }

    private static CapturedEvent event(int n) {
        long timeNano = T0 + n * 1_000_000_000L;
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "container", "start",
                "c" + n);
        return new CapturedEvent(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8), identity,
                identity.id(HOST_ID), 0);
    }

    private static Checkpoint position(int n) {
        CapturedEvent e = event(n);
        return new Checkpoint(e.identity().timeNano(), e.id());
    }

    private static ProducerRecord<byte[], byte[]> record(int n) {
        return new ProducerRecord<>("events", ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8));
    }
}
