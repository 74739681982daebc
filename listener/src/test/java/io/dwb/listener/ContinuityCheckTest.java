package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import org.junit.jupiter.api.Test;

class ContinuityCheckTest {
    private static final String HOST = "host-1";

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
    void aLaterEventFirstMeansAGapFromTheCheckpointToThatEvent() {
        CapturedEvent cp = event(200, "start", "a");
        Checkpoint checkpoint = checkpointOf(cp);
        ContinuityCheck check = new ContinuityCheck(checkpoint);
        CapturedEvent sameTimeKept = event(200, "start", "z");
        CapturedEvent later = event(900, "die", "b");
        assertThat(check.offer(sameTimeKept).publish()).isEmpty();
        ContinuityCheck.Verdict v = check.offer(later);
        assertThat(v.gap()).isEqualTo(new ContinuityCheck.GapWindow(200, 900, checkpoint.eventId()));
        // the engine lost the checkpointed event but kept these: they are newer, so never published
        assertThat(v.publish()).containsExactly(sameTimeKept, later);
        assertThat(check.proven()).isFalse();
        assertThat(check.offer(event(950, "x", "c")).gap()).isNull();
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
        assertThat(check.decided()).isTrue();
        assertThat(check.expire(6_000).gap()).isNull();
    }

    @Test
    void expiryAfterProofIsNothing() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp));
        check.offer(cp);
        assertThat(check.expire(5_000).gap()).isNull();
    }
}
