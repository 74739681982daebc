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

    /** A {@link #LARGE} event of its own, {@code n} ns later. */
    private static CapturedEvent large(int n) {
        return event(LARGE.identity().timeNano() + n, "x".repeat(100_000), "big");
    }

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

    /** The check of a subscription resuming from {@code checkpoint} as a listener read it from Kafka. */
    private static ContinuityCheck check(Checkpoint checkpoint) {
        return new ContinuityCheck(checkpoint == null ? null : checkpoint.position(), new RecentlyPublished(checkpoint),
                ContinuityCheck.Replay.SINCE_CHECKPOINT);
    }

    @Test
    void anEventHandedOverTwiceAtAFirstStartIsPublishedOnce() {
        RecentlyPublished published = new RecentlyPublished(null);
        ContinuityCheck check = new ContinuityCheck(null, published, ContinuityCheck.Replay.SINCE_CHECKPOINT);
        CapturedEvent twice = event(100 * S, "start", "a");
        assertThat(check.offer(twice).publish()).containsExactly(twice);
        published.add(twice); // as the pump holds it
        assertThat(check.offer(twice).publish()).as("in the replay, and live").isEmpty();
    }

    @Test
    void firstStartWithoutCheckpointPublishesEverything() {
        ContinuityCheck check = check(null);
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
        ContinuityCheck check = check(checkpointOf(cp));
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
        ContinuityCheck check = check(checkpointOf(cp));
        check.offer(cp);
        assertThat(check.offer(sameTimeAfter).publish()).containsExactly(sameTimeAfter);
    }

    @Test
    void anEventLaterThanTheCheckpointByMoreThanTheReorderBoundMeansAGapFromTheCheckpointToTheFirstKept() {
        CapturedEvent cp = event(200 * S, "start", "a");
        Checkpoint checkpoint = checkpointOf(cp);
        ContinuityCheck check = check(checkpoint);
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
        ContinuityCheck check = check(checkpointOf(cp));
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
        ContinuityCheck check = check(checkpointOf(cp));
        assertThat(ContinuityCheck.Replay.SINCE_CHECKPOINT.since(checkpointOf(cp)))
                .as("the replay reaches back past the older event").isLessThan(appendedAfter.identity().timeNano());
        assertThat(check.offer(before).publish()).isEmpty();
        check.offer(cp);
        assertThat(check.offer(appendedAfter).publish()).containsExactly(appendedAfter);
    }

    @Test
    void aBurstHeldPastItsBoundDecidesTheGapRatherThanGrowing() {
        CapturedEvent cp = event(200 * S, "start", "a");
        ContinuityCheck check = check(checkpointOf(cp));
        int n = 0;
        long held = 0;
        while (held + LARGE.json().length < ContinuityCheck.HOLD_BYTES) {
            assertThat(check.offer(large(n)).publish()).isEmpty();
            held += LARGE.json().length;
            n++;
        }
        ContinuityCheck.Verdict v = check.offer(large(n));
        assertThat(v.gap()).isNotNull();
        assertThat(v.publish()).hasSize(n + 1);
    }

    @Test
    void olderEventsAreSkipped() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = check(checkpointOf(cp));
        assertThat(check.offer(event(100, "create", "a")).publish()).isEmpty();
        assertThat(check.decided()).isFalse();
    }

    @Test
    void aQuietEngineThatReplaysNothingExpiresIntoAGapUpToTheSubscription() {
        CapturedEvent cp = event(200, "start", "a");
        ContinuityCheck check = check(checkpointOf(cp));
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
        ContinuityCheck check = check(checkpointOf(cp));
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
        ContinuityCheck check = check(checkpointOf(cp));
        check.offer(cp);
        assertThat(check.expire(5_000).gap()).isNull();
    }

    /** The checkpoint of {@code cp} as the listener writes it: with the events published from {@code fromNano} on. */
    private static Checkpoint checkpointWithRecent(CapturedEvent cp, long fromNano, CapturedEvent... published) {
        return new Checkpoint(cp.identity().timeNano(), cp.id(), new Checkpoint.Recent(fromNano,
                cp.identity().timeNano(), java.util.Arrays.stream(published).map(e -> Checkpoint.Recent.idOf(e.id()))
                .toList()));
    }

    @Test
    void withRecentEventsAnUnpublishedOneOlderThanTheCheckpointIsPublishedAfterAGapAndBoundsItNot() {
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent unpublished = event(200 * S - 100_000, "create", "b"); // made with it, handed over after it
        CapturedEvent late = event(203 * S, "die", "a");
        ContinuityCheck check = check(checkpointWithRecent(cp, 199 * S, cp));
        assertThat(check.offer(unpublished).publish()).isEmpty();
        ContinuityCheck.Verdict v = check.offer(late);
        assertThat(v.gap()).isEqualTo(new ContinuityCheck.GapWindow(200 * S, 203 * S, cp.id()));
        assertThat(v.publish()).containsExactly(unpublished, late);
    }

    @Test
    void withRecentEventsOnesBeforeTheirWindowAreStillDecidedByOrder() {
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent beforeWindow = event(200 * S - 600_000_000L, "create", "c");
        CapturedEvent inWindow = event(200 * S - 100_000, "create", "b");
        ContinuityCheck check = check(checkpointWithRecent(cp, 200 * S - 500_000_000L, cp));
        check.offer(beforeWindow);
        check.offer(inWindow);
        assertThat(check.offer(cp).publish()).as("only the one the window says was not published")
                .containsExactly(inWindow);
    }

    @Test
    void withRecentEventsAPublishedOneIsSkippedEvenAfterAGap() {
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent late = event(203 * S, "die", "a");
        ContinuityCheck check = check(checkpointWithRecent(cp, 199 * S, cp));
        assertThat(check.offer(late).gap()).isNotNull();
        assertThat(check.offer(cp).publish()).as("the checkpointed event, come after all").isEmpty();
    }

    /**
     * The checkpoint of a swarm event the raft leader dated 2 s before the local events handed over ahead of it (the
     * latest at 202.5 s, the recent window from 202 s): the engine appended those before it, and a replay returns them
     * before it.
     */
    private static Checkpoint lateStampedCheckpoint(CapturedEvent cp, CapturedEvent... published) {
        return new Checkpoint(cp.identity().timeNano(), cp.id(), new Checkpoint.Recent(202 * S, 202 * S + S / 2,
                java.util.Arrays.stream(published).map(e -> Checkpoint.Recent.idOf(e.id())).toList()));
    }

    @Test
    void eventsPublishedBeforeALateStampedCheckpointedEventAreHeldUntilItNotTakenForAGap() {
        CapturedEvent cp = event(200 * S + S / 2, "update", "service");
        CapturedEvent a = event(201 * S, "create", "a");
        CapturedEvent b = event(201 * S + 3 * S / 4, "create", "b"); // more than a second after the checkpoint
        CapturedEvent c = event(202 * S + S / 2, "create", "c");
        ContinuityCheck check = check(lateStampedCheckpoint(cp, c, cp));
        // Before: b, later than the checkpoint by more than a second, decided a gap, and a and b were published again
        // after it.
        assertThat(check.offer(a).publish()).isEmpty();
        assertThat(check.offer(b).gap()).isNull();
        assertThat(check.offer(c).publish()).as("in the recent window, by id").isEmpty();
        ContinuityCheck.Verdict v = check.offer(cp);
        assertThat(check.proven()).isTrue();
        assertThat(v.publish()).as("appended before it: published").isEmpty();
    }

    @Test
    void anEventLaterThanTheLatestPublishedByMoreThanTheReorderBoundStillDecidesAGap() {
        CapturedEvent cp = event(200 * S + S / 2, "update", "service");
        CapturedEvent held = event(201 * S, "create", "a");
        CapturedEvent later = event(203 * S + S / 2 + 1, "create", "d");
        ContinuityCheck check = check(lateStampedCheckpoint(cp, cp));
        assertThat(check.offer(held).publish()).isEmpty();
        ContinuityCheck.Verdict v = check.offer(later);
        assertThat(v.gap()).as("the engine no longer had the checkpointed event: a gap from its time")
                .isEqualTo(new ContinuityCheck.GapWindow(200 * S + S / 2, 201 * S, cp.id()));
        assertThat(v.publish()).as("what a forgetful engine kept came after it").containsExactly(held, later);
    }

    @Test
    void aReplayOfTheWholeBufferIsPlacedByOrderNotByTime() {
        CapturedEvent before = event(200 * S - 10, "create", "a");
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent afterTheStep = event(100 * S, "die", "a"); // the clock went back 100 s
        Checkpoint checkpoint = checkpointOf(cp);
        assertThat(ContinuityCheck.Replay.of(checkpoint, 0, 101 * S)).isEqualTo(ContinuityCheck.Replay.WHOLE_BUFFER);
        assertThat(ContinuityCheck.Replay.of(checkpoint, 0, 199 * S + 1)).isEqualTo(
                ContinuityCheck.Replay.SINCE_CHECKPOINT);
        assertThat(ContinuityCheck.Replay.of(new Checkpoint(100 * S, cp.id()), 200 * S, 101 * S))
                .as("a checkpoint made after the step, the buffer still holding what was made before it")
                .isEqualTo(ContinuityCheck.Replay.WHOLE_BUFFER);
        ContinuityCheck check = new ContinuityCheck(checkpoint, new RecentlyPublished(checkpoint),
                ContinuityCheck.Replay.WHOLE_BUFFER);
        assertThat(check.offer(before).publish()).isEmpty();
        assertThat(check.offer(cp).publish()).isEmpty();
        assertThat(check.offer(afterTheStep).publish()).containsExactly(afterTheStep);
    }

    @Test
    void aReplayOfTheWholeBufferWithoutTheCheckpointedEventIsAGapAfterWhichAllOfItIsPublished() {
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent one = event(100 * S, "create", "b");
        CapturedEvent two = event(100 * S + 1, "start", "b");
        ContinuityCheck check = new ContinuityCheck(checkpointOf(cp), new RecentlyPublished(checkpointOf(cp)),
                ContinuityCheck.Replay.WHOLE_BUFFER);
        assertThat(check.offer(one).publish()).isEmpty();
        assertThat(check.offer(two).publish()).isEmpty();
        ContinuityCheck.Verdict v = check.expire(100 * S + 5);
        assertThat(v.gap()).as("nothing after it by time: from and to at the checkpoint")
                .isEqualTo(new ContinuityCheck.GapWindow(200 * S, 200 * S, cp.id()));
        assertThat(v.publish()).containsExactly(one, two);
    }

    @Test
    void anEventHandedOverTwiceBeforeTheDecisionIsHeldOnce() {
        CapturedEvent cp = event(200 * S, "start", "a");
        CapturedEvent twice = event(200 * S + 10, "create", "b");
        ContinuityCheck check = check(checkpointOf(cp));
        check.offer(twice);
        check.offer(twice); // in the replay, and live
        assertThat(check.expire(201 * S).publish()).containsExactly(twice);
    }

    /** The check of a subscription made again before any event was read, the watch having begun at 200 s. */
    private static ContinuityCheck sinceWatchStart(boolean clockWentBack) {
        return ContinuityCheck.sinceWatchStart(200 * S, clockWentBack, new RecentlyPublished(null));
    }

    @Test
    void withoutAnEventReadAnEventFromBeforeTheWatchProvesContinuityAndIsNeverPublished() {
        ContinuityCheck check = sinceWatchStart(false);
        CapturedEvent before = event(150 * S, "create", "old");
        CapturedEvent madeWhileAway = event(230 * S, "create", "new");
        CapturedEvent alsoBefore = event(199 * S, "destroy", "old");
        assertThat(check.decided()).isFalse();
        assertThat(check.fromCheckpoint()).isFalse();
        assertThat(check.offer(before)).isEqualTo(new ContinuityCheck.Verdict(null, java.util.List.of()));
        assertThat(check.proven()).isTrue();
        assertThat(check.offer(madeWhileAway)).isEqualTo(new ContinuityCheck.Verdict(null,
                java.util.List.of(madeWhileAway)));
        assertThat(check.offer(alsoBefore).publish()).as("made before the watch").isEmpty();
    }

    @Test
    void withoutAnEventReadEventsHeldWithinTheReorderBoundArePublishedOnceAnOlderOneProvesContinuity() {
        ContinuityCheck check = sinceWatchStart(false);
        CapturedEvent justAfter = event(200 * S + S / 2, "create", "new");
        CapturedEvent appendedAfterIt = event(199 * S + S / 2, "create", "old");
        assertThat(check.offer(justAfter).publish()).isEmpty();
        assertThat(check.decided()).isFalse();
        ContinuityCheck.Verdict v = check.offer(appendedAfterIt);
        assertThat(v.gap()).isNull();
        assertThat(v.publish()).containsExactly(justAfter);
    }

    @Test
    void withoutAnEventReadAReplayOfOnlyNewerEventsIsAGapFromTheStartOfTheWatch() {
        // The engine restarted, or what was made while the listener was away filled its buffer.
        ContinuityCheck check = sinceWatchStart(false);
        CapturedEvent first = event(205 * S, "create", "new");
        CapturedEvent second = event(206 * S, "destroy", "new");
        ContinuityCheck.Verdict v = check.offer(first);
        assertThat(v.gap()).isEqualTo(new ContinuityCheck.GapWindow(200 * S, 205 * S, null));
        assertThat(v.publish()).containsExactly(first);
        assertThat(check.proven()).isFalse();
        assertThat(check.offer(second)).isEqualTo(new ContinuityCheck.Verdict(null, java.util.List.of(second)));
    }

    @Test
    void withoutAnEventReadAQuietEngineThatReplayedNothingIsAGapFromTheStartOfTheWatchToTheSubscription() {
        ContinuityCheck check = sinceWatchStart(false);
        assertThat(check.expire(260 * S).gap()).isEqualTo(new ContinuityCheck.GapWindow(200 * S, 260 * S, null));
        assertThat(check.decided()).isTrue();
    }

    @Test
    void withoutAnEventReadAndTheEngineClockGoneBackNoTimeProvesContinuity() {
        // Made after the step back: older than the watch by its time, yet new.
        ContinuityCheck check = sinceWatchStart(true);
        CapturedEvent madeAfterTheStep = event(120 * S, "create", "new");
        ContinuityCheck.Verdict v = check.offer(madeAfterTheStep);
        assertThat(v.gap()).isEqualTo(new ContinuityCheck.GapWindow(200 * S, 200 * S, null));
        assertThat(v.publish()).containsExactly(madeAfterTheStep);
        CapturedEvent next = event(121 * S, "start", "new");
        assertThat(check.offer(next).publish()).containsExactly(next);
    }
}
