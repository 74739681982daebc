package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.EventIdentity;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecentlyPublishedTest {
    private static final long T0 = 1_800_000_000_000_000_000L;
    private static final long MS = 1_000_000L;

    private static CapturedEvent event(int n, long timeNano) {
        EventIdentity identity = new EventIdentity(String.valueOf(timeNano), timeNano, "volume", "create", "v" + n);
        return new CapturedEvent("{}".getBytes(StandardCharsets.UTF_8), identity, identity.id("host"), 0);
    }

    private static String idOf(CapturedEvent e) {
        return Checkpoint.Recent.idOf(e.id());
    }

    @Test
    void keepsTheEventsOfTheReplaysReachBeforeTheNewestAndSaysFromWhen() {
        RecentlyPublished recent = new RecentlyPublished(null);
        CapturedEvent old = event(1, T0);
        CapturedEvent near = event(2, T0 + 600 * MS);
        CapturedEvent newest = event(3, T0 + 1_500 * MS);
        recent.add(old);
        recent.add(near);
        recent.add(newest);

        Checkpoint.Recent r = recent.snapshot();
        assertThat(r.ids()).containsExactly(idOf(near), idOf(newest));
        assertThat(r.fromNano()).isEqualTo(T0 + 500 * MS);
    }

    @Test
    void aBusyHostKeepsTheLatestIdsItMayAndCoversLessThanTheReach() {
        RecentlyPublished recent = new RecentlyPublished(null);
        int n = Checkpoint.RECENT_IDS + 10;
        for (int i = 0; i < n; i++) {
            recent.add(event(i, T0 + i * MS));
        }
        Checkpoint.Recent r = recent.snapshot();
        assertThat(r.ids()).hasSize(Checkpoint.RECENT_IDS).first().isEqualTo(idOf(event(10, T0 + 10 * MS)));
        assertThat(r.fromNano()).as("the first dropped is not covered").isEqualTo(T0 + 9 * MS + 1);
    }

    @Test
    void aCheckpointOfAnEarlierListenerCoversNothingWithinAReplaysReachAfterIt() {
        RecentlyPublished recent = new RecentlyPublished(new Checkpoint(T0, "0123456789abcdef0123456789abcdef"));
        recent.add(event(1, T0 + 10 * MS)); // published; an earlier one of the same time may be too, unknown
        assertThat(recent.snapshot().ids()).isEmpty();
        assertThat(recent.snapshot().fromNano()).isGreaterThan(T0 + ContinuityCheck.REORDER_NANOS);

        CapturedEvent later = event(2, T0 + 3_000 * MS);
        recent.add(later);
        assertThat(recent.snapshot().ids()).containsExactly(idOf(later));
    }

    @Test
    void aRestartGoesOnFromTheCheckpointsRecentEvents() {
        RecentlyPublished before = new RecentlyPublished(null);
        CapturedEvent a = event(1, T0);
        CapturedEvent b = event(2, T0 + 100 * MS);
        before.add(a);
        before.add(b);
        Checkpoint stored = new Checkpoint(b.identity().timeNano(), b.id(), before.snapshot());

        RecentlyPublished after = new RecentlyPublished(stored);
        CapturedEvent c = event(3, T0 + 200 * MS);
        after.add(c);
        assertThat(after.snapshot().ids()).containsExactlyInAnyOrder(idOf(a), idOf(b), idOf(c));
        assertThat(after.snapshot().fromNano()).as("a still covered").isLessThanOrEqualTo(T0);
    }

    @Test
    void anEventStampedBeforeTheReachIsKeptByIdAndMovesNeitherTheWindowNorTheLatest() {
        // A swarm event the raft leader dated 2 s before a local event handed over ahead of it. Before, it was taken
        // for a clock step: the ids kept were dropped and its own not kept, so a replay that returned it after the
        // checkpointed event published it again (and the events before, after a false gap).
        RecentlyPublished recent = new RecentlyPublished(null);
        CapturedEvent local = event(1, T0);
        CapturedEvent swarm = event(2, T0 - 2_000 * MS);
        recent.add(local);
        Checkpoint.Recent before = recent.snapshot();
        recent.add(swarm);
        Checkpoint.Recent r = recent.snapshot();
        assertThat(r.ids()).containsExactly(idOf(local), idOf(swarm));
        assertThat(recent.contains(swarm)).isTrue();
        assertThat(r.fromNano()).as("the window, which its own time is before").isEqualTo(before.fromNano());
        assertThat(r.latestNano()).as("what the next resume compares the engine's clock with").isEqualTo(T0);

        RecentlyPublished restarted = new RecentlyPublished(new Checkpoint(T0 - 2_000 * MS, swarm.id(), r));
        assertThat(restarted.contains(swarm)).as("after a restart from its checkpoint").isTrue();
        assertThat(restarted.contains(local)).isTrue();
        assertThat(restarted.latestNano()).isEqualTo(T0);
    }

    @Test
    void eventsMadeAfterAClockSteppedBackAreKeptAsTheyComeTheFirstDroppedFirst() {
        // Only the engine's clock says the host's went back, at the next resume (ContinuityCheck.Replay.of): until
        // then, what comes is kept as it is published, the latest unchanged until times pass it again.
        RecentlyPublished recent = new RecentlyPublished(null);
        recent.add(event(0, T0));
        long hourBack = T0 - 3_600_000 * MS;
        int n = Checkpoint.RECENT_IDS + 5;
        for (int i = 1; i <= n; i++) {
            recent.add(event(i, hourBack + i * MS));
        }
        Checkpoint.Recent r = recent.snapshot();
        assertThat(r.latestNano()).isEqualTo(T0);
        assertThat(r.ids()).hasSize(Checkpoint.RECENT_IDS).doesNotContain(idOf(event(0, T0)))
                .first().isEqualTo(idOf(event(6, hourBack + 6 * MS)));
        assertThat(r.ids()).last().isEqualTo(idOf(event(n, hourBack + n * MS)));

        CapturedEvent caughtUp = event(n + 1, T0 + 2_000 * MS);
        recent.add(caughtUp);
        assertThat(recent.snapshot().ids()).containsExactly(idOf(caughtUp));
        assertThat(recent.snapshot().latestNano()).isEqualTo(T0 + 2_000 * MS);
    }

    @Test
    void idsComeBackAtTheLatestTimeSoOneMadeAfterTheCheckpointedEventIsKeptAsLongAsItWas() {
        // b appended first, a made 100 µs later and handed over first: the checkpoint is b, a published before it.
        CapturedEvent a = event(1, T0 + 100_000);
        CapturedEvent b = event(2, T0);
        RecentlyPublished before = new RecentlyPublished(null);
        before.add(a);
        before.add(b);
        RecentlyPublished after = new RecentlyPublished(new Checkpoint(T0, b.id(), before.snapshot()));
        after.add(event(3, T0 + ContinuityCheck.REORDER_NANOS + 50_000)); // a second later than b, not than a
        assertThat(after.contains(a)).isTrue();
        assertThat(after.snapshot().fromNano()).isLessThanOrEqualTo(a.identity().timeNano());
    }

    @Test
    void anEventWithoutTheEnginesTimeNanoIsNeverKept() {
        // Its id hashes no time: two such events of one container's action would share it.
        EventIdentity identity = EventIdentity.of("", null, T0 / 1_000_000_000L, "volume", "create", "v");
        CapturedEvent secondsOnly = new CapturedEvent("{}".getBytes(StandardCharsets.UTF_8), identity,
                identity.id("host"), 0);
        RecentlyPublished recent = new RecentlyPublished(null);
        recent.add(event(1, T0));
        recent.add(secondsOnly);
        assertThat(recent.contains(secondsOnly)).isFalse();
        assertThat(recent.snapshot().ids()).hasSize(1);
    }
}
