package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import org.junit.jupiter.api.Test;

class ContinuityCheckTest {
    private static final String HOST = "host-1";
    private static final long S = 1_000_000_000L;
    /** An event of 100 KB, half a second after the checkpoints of these tests. */
    private static final CapturedEvent LARGE = event(200 * S + S / 2, "x".repeat(100_000), "big");

    private static CapturedEvent event(long timeNano, String action, String actor) {
        ObjectNode e = ContractJson.MAPPER.createObjectNode();
        e.put("Type", "container").put("Action", action).put("timeNano", timeNano).put("time", timeNano / 1_000_000_000L);
        e.putObject("Actor").put("ID", actor);
        EventIdentity identity = EventIdentity.of(e);
        return new CapturedEvent(ContractJson.write(e), identity, identity.id(HOST), 0);
    }

    private static Checkpoint checkpointOf(CapturedEvent e) {
        return new Checkpoint(e.identity().timeNano(), e.id());
    }

    @Test
    void firstStartWithoutCheckpointPublishesEverything() {
        ContinuityCheck check = new ContinuityCheck(null);
        assertThat(check.decided()).isTrue();
        CapturedEvent e = event(100, "start", "a");
        assertThat(check.offer(e).publish()).containsExactly(e);
        assertThat(check.offer(e).gap()).isNull();
    }

    @Test
    void replayedCheckpointProvesContinuityAndSkipsItAndEverythingBefore() {
        CapturedEvent sameTimeBefore = event(200, "create", "a");
        CapturedEvent cp = event(200, "start", "a");
        CapturedEvent after = event(300, "die", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        assertThat(check.offer(sameTimeBefore).publish()).isEmpty();
        assertThat(check.offer(cp).publish()).isEmpty();
        assertThat(check.proven()).isTrue();
        ContinuityCheck.Verdict v = check.offer(after);
        assertThat(v.gap()).isNull();
        assertThat(v.publish()).containsExactly(after);
    }

    @Test
    void sameTimeEventsAfterTheCheckpointArePublished() {
        CapturedEvent cp = event(200, "start", "a");
        CapturedEvent sameTimeAfter = event(200, "start", "b");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        check.offer(cp);
        assertThat(check.offer(sameTimeAfter).publish()).containsExactly(sameTimeAfter);
    }

    @Test
    void anEventLaterThanTheCheckpointByMoreThanTheReorderBoundMeansAGapFromTheCheckpointToTheFirstKept() {
        CapturedEvent cp = event(200 * S, "start", "a");
        Checkpoint checkpoint = checkpointOf(cp);
        ContinuityCheck check = new ContinuityCheck(checkpoint);
        CapturedEvent sameTimeKept = event(200 * S, "start", "z");
        CapturedEvent soonAfter = event(200 * S + S / 2, "stop", "z");
        CapturedEvent later = event(900 * S, "die", "b");
        assertThat(check.offer(sameTimeKept).publish()).isEmpty();
        assertThat(check.offer(soonAfter).publish()).as("may have been appended before the checkpointed event")
                .isEmpty();
        assertThat(check.decided()).isFalse();
        ContinuityCheck.Verdict v = check.offer(later);
        assertThat(v.gap()).isEqualTo(new ContinuityCheck.GapWindow(200 * S, 200 * S, checkpoint.eventId()));
        // the engine lost the checkpointed event but kept these: they came after it, so were never published
        assertThat(v.publish()).containsExactly(sameTimeKept, soonAfter, later);
        assertThat(check.proven()).isFalse();
        assertThat(check.offer(event(950 * S, "x", "c")).gap()).isNull();
    }

    @Test
    void eventsAppendedBeforeTheCheckpointedEventButLaterInTimeAreSkippedWhenItComes() {
        // The engine appends an event after reading its time: the one read later may be appended first.
        CapturedEvent appendedBefore = event(200 * S + 150_000, "create", "b");
        CapturedEvent cp = event(200 * S, "create", "a");
        CapturedEvent next = event(200 * S + 300_000, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        assertThat(check.offer(appendedBefore).publish()).isEmpty();
        assertThat(check.offer(cp).gap()).isNull();
        assertThat(check.proven()).isTrue();
        ContinuityCheck.Verdict v = check.offer(next);
        assertThat(v.gap()).isNull();
        assertThat(v.publish()).containsExactly(next);
    }

    @Test
    void anOlderEventAppendedAfterTheCheckpointedEventIsPublished() {
        CapturedEvent before = event(199 * S, "create", "a");
        CapturedEvent cp = event(200 * S, "create", "b");
        CapturedEvent appendedAfter = event(200 * S - 144_000, "create", "c");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        assertThat(ContinuityCheck.since(checkpointOf(cp))).as("the replay reaches back past the older event")
                .isLessThan(appendedAfter.identity().timeNano());
        assertThat(check.offer(before).publish()).isEmpty();
        check.offer(cp);
        assertThat(check.offer(appendedAfter).publish()).containsExactly(appendedAfter);
    }

    @Test
    void aBurstHeldPastItsBoundDecidesTheGapRatherThanGrowing() {
        CapturedEvent cp = event(200 * S, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        int n = 0;
        long held = 0;
        while (held + LARGE.json().length < ContinuityCheck.HOLD_BYTES) {
            assertThat(check.offer(LARGE).publish()).isEmpty();
            held += LARGE.json().length;
            n++;
        }
        ContinuityCheck.Verdict v = check.offer(LARGE);
        assertThat(v.gap()).isNotNull();
        assertThat(v.publish()).hasSize(n + 1);
    }

    @Test
    void olderEventsAreSkipped() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        assertThat(check.offer(event(100, "create", "a")).publish()).isEmpty();
        assertThat(check.decided()).isFalse();
    }

    @Test
    void aQuietEngineThatReplaysNothingExpiresIntoAGapUpToTheSubscription() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        ContinuityCheck.Verdict v = check.expire(5_000);
        assertThat(v.gap().fromNano()).isEqualTo(200);
        assertThat(v.gap().toNano()).isEqualTo(5_000);
        assertThat(v.publish()).isEmpty();
        assertThat(check.decided()).isTrue();
        assertThat(check.expire(6_000).gap()).isNull();
    }

    @Test
    void expiryPublishesTheEventsHeldAfterAGapEndingAtTheEarliest() {
        CapturedEvent cp = event(200 * S, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        CapturedEvent second = event(200 * S + 400, "stop", "b");
        CapturedEvent first = event(200 * S + 300, "die", "b");
        check.offer(second);
        check.offer(first);
        ContinuityCheck.Verdict v = check.expire(300 * S);
        assertThat(v.gap().toNano()).isEqualTo(200 * S + 300);
        assertThat(v.publish()).containsExactly(second, first);
    }

    @Test
    void expiryAfterProofIsNothing() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        check.offer(cp);
        assertThat(check.expire(5_000).gap()).isNull();
    }
}
