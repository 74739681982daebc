package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules of silent-host detection, with a fake clock: hosts are judged by their records' times against their
 * partition's progress, not by when the forwarder consumed them.
 */
class SilentHostWatchTest {
    private static final long S = 1_000_000_000L;
    private static final long T0 = 1_790_000_000L * S; // listener time of the first heartbeat
    private static final HostRef A = new HostRef("a", "A");
    private static final HostRef B = new HostRef("b", "B");

    private final SilentHostWatch watch = new SilentHostWatch();

    @Test
    void aHostWhoseHeartbeatsStopWhileItsPartitionMovesOnIsSilentOnceThenBack() {
        watch.heartbeat(0, A, 30, T0, 0);
        for (long t = 0; t <= 90; t += 30) { // B keeps speaking on the same partition; A said nothing after T0
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).isEmpty(); // 90 s of the partition's time: not yet more than three
        watch.heartbeat(0, B, 30, T0 + 91 * S, 0);

        List<SilentHostWatch.Silent> silent = watch.newlySilent(0);
        assertThat(silent).containsExactly(new SilentHostWatch.Silent(A, 30, 91, T0, false));
        watch.live(0, true, 0); // B stopped too, at T0 + 91 s; everything delivered, the clock carries time on
        assertThat(watch.newlySilent(409 * S)).as("raised once").extracting(SilentHostWatch.Silent::host)
                .containsExactly(B);

        assertThat(watch.heartbeat(0, A, 30, T0 + 600 * S, 409 * S))
                .isEqualTo(new SilentHostWatch.Back(A, 600, T0, T0 + 600 * S, null));
        assertThat(watch.heartbeat(0, A, 30, T0 + 630 * S, 409 * S)).as("back once").isNull();
    }

    /**
     * A listener told to stop says so in its last heartbeat. Not started again within three intervals: reported
     * once as stopped, not silent (a fleet scales hosts in and out every day; each one was a level-8 silent-host
     * alert). Heard again later (a restart that failed for a while), it is back, as a silent host is.
     */
    /**
     * A partition that takes no writes (fewer in-sync replicas than its topic needs) for five minutes, caught up: the
     * listeners' heartbeats cannot reach it. Counted as live, its hosts were all silent after 90 s, then back; its
     * time frozen instead, the first heartbeats after it were a leap, which the second host's bore out: the hosts not
     * heard yet were reported silent at once. Its time runs on, its hosts' silences stand: no alert either way.
     */
    @Test
    void theHostsOfAPartitionThatTakesNoWritesForMinutesAreNeitherSilentNorBack() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.heartbeat(0, B, 30, T0 + 20 * S, 20 * S);
        watch.live(0, true, 20 * S);
        outage(watch, 21, 320); // a broker down: nothing is written from 21 s on
        watch.unwritable(Set.of(), 321 * S); // writes again: the listeners publish what they held
        assertThat(watch.heartbeat(0, B, 30, T0 + 322 * S, 322 * S)).isNull();
        assertThat(watch.heartbeat(0, A, 30, T0 + 330 * S, 330 * S)).isNull();
        assertThat(watch.newlySilent(330 * S)).isEmpty();

        for (long t = 331; t <= 450; t++) { // A heard at 330 s, then not again (the partition's time 20 s behind)
            watch.live(0, true, t * S);
            if (t % 30 == 22) {
                watch.heartbeat(0, B, 30, T0 + t * S, t * S);
            }
        }
        assertThat(watch.newlySilent(450 * S)).as("a silence after it counts as any")
                .extracting(SilentHostWatch.Silent::host).containsExactly(A);
    }

    /**
     * A partition handed over two minutes into an outage of writes: its previous owner's time ran on while its hosts'
     * silences stood still, and the new owner, reading the heartbeats from before the outage again, lost that time:
     * the first heartbeats after the outage were a leap that a second host's bore out, and every host not heard yet
     * was reported silent (at fleet scale, nearly all of them). The mark says when the outage began (its time then),
     * and the new owner lets the silences stand from then.
     */
    @Test
    void aPartitionHandedOverDuringAnOutageOfWritesMakesNoHostSilent() {
        HostRef c = new HostRef("c", "C");
        watch.heartbeat(0, c, 30, T0 + 15 * S, 15 * S);
        watch.heartbeat(0, A, 30, T0 + 18 * S, 18 * S);
        watch.heartbeat(0, B, 30, T0 + 20 * S, 20 * S);
        for (long t = 20; t <= 140; t++) { // a broker down: nothing is written from 21 s on
            watch.live(0, true, t * S);
            watch.unwritable(t > 20 ? Set.of(0) : Set.of(), t * S);
        }
        WatchHandover.Mark mark = WatchHandover.Mark.of(new OffsetAndMetadata(100, new WatchHandover.Mark(
                watch.timeMs(0, 140 * S), false, watch.stillSinceMs(0), watch.ranOnMs(0, 140 * S)).metadata()));
        // The partition's time when it stopped: c's first heartbeat gave it T0 + 15 s, the clock ran it on from 20 s
        assertThat(mark.stillSinceMs()).as("through the offset's metadata").isEqualTo((T0 + 16 * S) / 1_000_000L);

        SilentHostWatch next = new SilentHostWatch();
        next.handingOver(0, mark);
        next.heartbeat(0, c, 30, T0 + 15 * S, 141 * S); // read again from before the outage
        next.heartbeat(0, A, 30, T0 + 18 * S, 141 * S);
        next.heartbeat(0, B, 30, T0 + 20 * S, 141 * S);
        assertThat(next.handedOver(0, 141 * S)).isEqualTo(new SilentHostWatch.HandedOver(3, 0));
        outage(next, 141, 320); // goes on, found here too
        next.unwritable(Set.of(), 321 * S); // writes again: the listeners publish what they held
        assertThat(next.heartbeat(0, B, 30, T0 + 322 * S, 322 * S)).isNull();
        assertThat(next.heartbeat(0, A, 30, T0 + 330 * S, 330 * S)).isNull();
        for (long t = 330; t <= 345; t++) {
            next.live(0, true, t * S);
            assertThat(next.newlySilent(t * S)).as("c, not heard yet, at %d s", t).isEmpty();
        }
    }

    /**
     * Two hand-overs in one outage of writes (a rolling restart of the forwarders): the second owner passed on its own
     * hand-over's time as the outage's start, and the third took every host as reported silent, then said them back.
     */
    @Test
    void aSecondHandOverInTheSameOutagePassesOnWhenTheOutageBegan() {
        watch.heartbeat(0, A, 30, T0 + 15 * S, 15 * S);
        watch.heartbeat(0, B, 30, T0 + 20 * S, 20 * S);
        for (long t = 20; t <= 80; t++) {
            watch.live(0, true, t * S);
            watch.unwritable(t > 20 ? Set.of(0) : Set.of(), t * S);
        }
        WatchHandover.Mark first = new WatchHandover.Mark(watch.timeMs(0, 80 * S), false, watch.stillSinceMs(0),
                watch.ranOnMs(0, 80 * S));
        SilentHostWatch second = new SilentHostWatch();
        second.handingOver(0, first);
        second.heartbeat(0, A, 30, T0 + 15 * S, 81 * S);
        second.heartbeat(0, B, 30, T0 + 20 * S, 81 * S);
        second.handedOver(0, 81 * S);
        outage(second, 81, 140);
        WatchHandover.Mark then = new WatchHandover.Mark(second.timeMs(0, 140 * S), false, second.stillSinceMs(0),
                second.ranOnMs(0, 140 * S));
        assertThat(then.stillSinceMs()).as("the outage's start").isEqualTo(first.stillSinceMs());

        SilentHostWatch third = new SilentHostWatch();
        third.handingOver(0, then);
        third.heartbeat(0, A, 30, T0 + 15 * S, 141 * S);
        third.heartbeat(0, B, 30, T0 + 20 * S, 141 * S);
        assertThat(third.handedOver(0, 141 * S)).isEqualTo(new SilentHostWatch.HandedOver(2, 0));
    }

    @Test
    void aListenerThatSaidItWasStoppingIsReportedStoppedOnceThenBackWhenItStartsAgain() {
        watch.heartbeat(0, A, -1, 30, T0, true, 0);
        for (long t = 0; t <= 91; t += 1) { // B keeps speaking on the same partition
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).containsExactly(new SilentHostWatch.Silent(A, 30, 91, T0, true));
        assertThat(watch.newlySilent(0)).as("once").isEmpty();
        assertThat(watch.heartbeat(0, A, 30, T0 + 600 * S, 0))
                .isEqualTo(new SilentHostWatch.Back(A, 600, T0, T0 + 600 * S, null));
        for (long t = 92; t <= 700; t += 30) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).as("its next silence, without a last word, is a silence")
                .extracting(SilentHostWatch.Silent::stopped).containsExactly(false);
    }

    /**
     * A full watch takes a new host in the place of one whose listener said it stopped as soon as it is reported (a
     * scale-in's host), where a silent host keeps its place for a day (it may be rebooting).
     */
    @Test
    void aFullWatchTakesANewHostInThePlaceOfAStoppedOneAtOnce() {
        SilentHostWatch full = new SilentHostWatch(2);
        full.heartbeat(0, A, -1, 30, T0, true, 0);
        for (long t = 0; t <= 91; t += 1) {
            full.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(full.newlySilent(0)).extracting(SilentHostWatch.Silent::stopped).containsExactly(true);
        HostRef c = new HostRef("c", "C");
        full.heartbeat(0, c, 30, T0 + 92 * S, 0);
        assertThat(full.replaced()).isEqualTo(1);
        assertThat(full.notWatched()).isZero();
        assertThat(full.watched()).isEqualTo(2);
    }

    /** A restart (an upgrade, a reboot) within three intervals says nothing, and the host is watched as before. */
    @Test
    void aListenerThatStartsAgainSoonAfterItsStopIsNeitherStoppedNorSilent() {
        watch.heartbeat(0, A, -1, 30, T0, true, 0);
        watch.heartbeat(0, B, 30, T0, 0);
        watch.heartbeat(0, B, 30, T0 + 30 * S, 0);
        assertThat(watch.heartbeat(0, A, 30, T0 + 40 * S, 0)).isNull();
        for (long t = 60; t <= 130; t += 10) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).isEmpty();
        watch.heartbeat(0, B, 30, T0 + 131 * S, 0);
        assertThat(watch.newlySilent(0)).as("its next silence is a silence again")
                .containsExactly(new SilentHostWatch.Silent(A, 30, 91, T0 + 40 * S, false));
    }

    /**
     * A stop and the next start read between two judgements (a backlog read fast): the stop is reported then, as a
     * stop, before the host is said back, as when read live.
     */
    @Test
    void aStopAndAStartReadFromABacklogAreReportedAsAStopThenBack() {
        watch.heartbeat(0, A, -1, 30, T0, true, 0);
        watch.heartbeat(0, B, 30, T0, 0);
        for (long t = 30; t <= 600; t += 30) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.heartbeat(0, A, 30, T0 + 600 * S, 0)).isEqualTo(new SilentHostWatch.Back(A, 600, T0,
                T0 + 600 * S, new SilentHostWatch.Silent(A, 30, 600, T0, true)));
        assertThat(watch.newlySilent(0)).isEmpty();
    }

    /**
     * A heartbeat dated 2099 (its writer chooses the time) moved the partition's progress there: its hundred honest
     * hosts were reported silent, forgotten a second later and reported again at their next heartbeat, and a real
     * host so dated was never reported silent. A time ahead of this clock counts as this clock plus a few seconds.
     */
    @Test
    void aTimeAheadOfThisClockCountsAsThisClockPlusAFewSeconds() {
        AtomicLong wallClock = new AtomicLong(T0 + 60 * S);
        SilentHostWatch guarded = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, wallClock::get);
        long year2099 = 4_070_908_800L * S;
        for (int h = 0; h < 100; h++) {
            guarded.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + 30 * S, 0);
            guarded.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + 60 * S, 0);
        }
        guarded.heartbeat(0, new HostRef("forged", "F"), 30, year2099, 0);
        assertThat(guarded.newlySilent(0)).as("nobody silent for one forged date").isEmpty();
        guarded.heartbeat(0, new HostRef("h0", "H0"), 30, T0 + 60 * S + 3_600 * S, 0); // an hour ahead
        assertThat(guarded.newlySilent(0)).isEmpty();
        assertThat(guarded.ahead()).isEqualTo(2);

        guarded.heartbeat(0, A, 30, T0 + 60 * S, 0);
        guarded.heartbeat(0, A, 30, year2099, 0); // a forged heartbeat of a real host
        for (long t = 90; t <= 180; t += 30) { // the partition's honest hosts speak on; A says nothing more
            wallClock.set(T0 + t * S);
            for (int h = 0; h < 100; h++) {
                guarded.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + t * S, 0);
            }
        }
        assertThat(guarded.newlySilent(0)).extracting(SilentHostWatch.Silent::host)
                .as("A is silent all the same, as the forger's host is").containsExactlyInAnyOrder(A,
                        new HostRef("forged", "F"));
    }

    /**
     * A host whose clock is 2 minutes slow, among 50 whose clocks are right, its partition live. Judged by how far its
     * heartbeats' times were behind its partition's, it was silent right after each of them and back at the next: 120
     * silent-host and 119 host-back alerts an hour. Judged by how far its partition's time got since its heartbeat
     * was read, it is silent once, when it stops; its clock put right meanwhile (NTP stepping it 2 minutes on) raises
     * nothing.
     */
    @Test
    void aHostWhoseClockIsMinutesSlowIsReportedSilentOnlyWhenItStops() {
        AtomicLong wall = new AtomicLong(T0);
        SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, wall::get);
        HostRef slow = new HostRef("slow", "SLOW");
        List<SilentHostWatch.Silent> silent = new ArrayList<>();
        List<SilentHostWatch.Back> back = new ArrayList<>();
        for (long sec = 0; sec < 3_800; sec++) { // a judgement a second, as the forwarder makes them
            wall.set(T0 + sec * S);
            if (sec % 30 == 0) {
                for (int h = 0; h < 50; h++) {
                    back.addAll(nonNull(watch.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + sec * S,
                            sec * S)));
                }
                long slowClock = sec < 1_800 ? T0 + (sec - 120) * S : T0 + sec * S; // put right after 30 min
                if (sec <= 3_570) { // then it stops
                    back.addAll(nonNull(watch.heartbeat(0, slow, 30, slowClock, sec * S)));
                }
            }
            watch.live(0, true, sec * S);
            silent.addAll(watch.newlySilent(sec * S));
        }
        assertThat(silent).as("once, 91 s after its last heartbeat was read")
                .containsExactly(new SilentHostWatch.Silent(slow, 30, 91, T0 + 3_570 * S, false));
        assertThat(back).isEmpty();
        assertThat(watch.heartbeat(0, slow, 30, T0 + 3_800 * S, 3_800 * S)).as("back once it speaks").isNotNull();
    }

    /**
     * A backlog of an hour (Wazuh was down, the forwarder reads it within moments) of 800 hosts and one whose clock is
     * 5 minutes fast: its heartbeats moved their partition's time 5 minutes past every other host's heartbeats, and
     * each of those was reported silent, then back at its next heartbeat, at each judgement: 96,000 silent-host
     * alerts with a judgement a round. It moves the partition's time only as far as its own clock counts from where
     * that time was, whether it is read first or last in a round; a host that stops within the backlog is reported.
     */
    @Test
    void aHostWhoseClockIsMinutesFastMakesNoOtherHostSilentInABacklog() {
        HostRef fast = new HostRef("fast", "FAST");
        HostRef stops = new HostRef("h7", "H7");
        for (boolean fastFirst : new boolean[] {true, false}) {
            SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, () -> T0 + 7_200 * S);
            List<HostRef> silent = new ArrayList<>();
            List<SilentHostWatch.Back> back = new ArrayList<>();
            for (long t = 0; t < 3_600; t += 30) {
                if (fastFirst) {
                    back.addAll(nonNull(watch.heartbeat(0, fast, 30, T0 + (t + 300) * S, 0)));
                }
                for (int h = 0; h < 800; h++) {
                    if (h != 7 || t <= 1_800) {
                        back.addAll(nonNull(watch.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + t * S, 0)));
                    }
                }
                if (!fastFirst) {
                    back.addAll(nonNull(watch.heartbeat(0, fast, 30, T0 + (t + 300) * S, 0)));
                }
                watch.newlySilent(0).forEach(s -> silent.add(s.host()));
            }
            assertThat(silent).as("fast clock read first: %s", fastFirst).containsExactly(stops);
            assertThat(back).as("fast clock read first: %s", fastFirst).isEmpty();
        }
    }

    /**
     * A host whose clock steps two hours ahead within a backlog (it rebooted with its hardware clock on local time)
     * and back five minutes later (NTP): its heartbeat moved its partition's time two hours on, and every other host
     * there was reported silent, then back. A heartbeat moves its partition's time one interval past where it was at
     * most; the host itself gets one pair (its clock said it was silent for two hours; alone in its partition, that
     * would be the only word of a real silence).
     */
    @Test
    void aHostWhoseClockStepsHoursAheadInABacklogMakesNoOtherHostSilent() {
        SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, () -> T0 + 7_200 * S);
        HostRef stepped = new HostRef("stepped", "STEPPED");
        List<HostRef> silent = new ArrayList<>();
        List<SilentHostWatch.Back> back = new ArrayList<>();
        for (long t = 0; t < 3_600; t += 30) {
            for (int h = 0; h < 50; h++) {
                back.addAll(nonNull(watch.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + t * S, 0)));
            }
            long step = t >= 1_200 && t < 1_500 ? 7_200 * S : 0;
            back.addAll(nonNull(watch.heartbeat(0, stepped, 30, T0 + t * S + step, 0)));
            watch.newlySilent(0).forEach(s -> silent.add(s.host()));
        }
        assertThat(silent).isEmpty();
        assertThat(back).singleElement().satisfies(b -> {
            assertThat(b.host()).isEqualTo(stepped);
            assertThat(b.missed()).as("its silent-host alert, sent before").isNotNull();
        });
    }

    /**
     * Every host of a partition down for an hour (a power cut) while the forwarder reads a backlog; most come back.
     * The first heartbeat back claims an hour at once: no other host has said so yet, so it might be a clock stepped
     * ahead; the second bears it out, and the partition's time takes the leap. The hosts still down are reported at
     * once, and each host back gets its one pair of alerts, no more.
     */
    @Test
    void hostsBackAfterTheirWholePartitionWasSilentLetTheOnesStillDownBeReported() {
        SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, () -> T0 + 7_200 * S);
        List<HostRef> silent = new ArrayList<>();
        List<SilentHostWatch.Back> back = new ArrayList<>();
        for (long t = 0; t <= 5_400; t += 30) {
            for (int h = 0; h < 20; h++) {
                boolean down = t > 600 && t < 4_200 || h >= 17 && t > 600;
                if (!down) {
                    back.addAll(nonNull(watch.heartbeat(0, new HostRef("h" + h, "H" + h), 30, T0 + (t + h) * S,
                            0)));
                }
            }
            watch.newlySilent(0).forEach(host -> silent.add(host.host()));
        }
        assertThat(silent).containsExactlyInAnyOrder(new HostRef("h17", "H17"), new HostRef("h18", "H18"),
                new HostRef("h19", "H19"));
        assertThat(back).extracting(SilentHostWatch.Back::host).doesNotHaveDuplicates().hasSize(17);
        assertThat(back).allSatisfy(b -> assertThat(b.missed()).as("its silence, said first").isNotNull());
    }

    /**
     * A partition found live before its first record (a quiet one after a restart or a rebalance, one just added)
     * counted this clock from time 0, below any record's time: its hosts were never reported silent.
     */
    @Test
    void aPartitionLiveBeforeItsFirstRecordReportsItsHostSilentThreeIntervalsAfterItsLastHeartbeat() {
        watch.live(0, true, 1_000 * S);
        watch.heartbeat(0, A, 30, T0, 1_005 * S); // its one host, heard once
        for (long now = 1_005 * S; now <= 1_095 * S; now += S) {
            watch.live(0, true, now);
            assertThat(watch.newlySilent(now)).isEmpty();
        }
        watch.live(0, true, 1_096 * S);
        assertThat(watch.newlySilent(1_096 * S)).containsExactly(new SilentHostWatch.Silent(A, 30, 91, T0, false));
        assertThat(watch.newlySilent(1_700 * S)).as("once").isEmpty();
    }

    /**
     * A host whose heartbeats, read as they are written, stay dated 100 s behind this clock for three intervals: its
     * clock is said to be wrong, once in an hour of them. Heartbeats a listener held while Kafka was away, read at
     * once and dated minutes back, are no wrong clock.
     */
    @Test
    void aClockMinutesOffIsSaidOnceAndHeartbeatsReadLateInOneBurstAreNot() {
        AtomicLong wall = new AtomicLong(T0 + 600 * S);
        SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED, wall::get);
        watch.heartbeat(0, A, 30, T0 + 300 * S, 0);
        watch.live(0, true, 0);
        for (long t = 330; t <= 600; t += 30) {
            watch.heartbeat(0, A, 30, T0 + t * S, S);
        }
        assertThat(watch.skewedClocks()).as("a burst read late").isEmpty();
        assertThat(watch.clockSkewNanos(A.key())).as("no wrong clock: its events' latency as it is").isZero();

        List<SilentHostWatch.ClockSkew> skews = new ArrayList<>();
        for (long t = 630; t <= 4_200; t += 30) { // its clock now 100 s behind, for an hour
            wall.set(T0 + (t + 100) * S);
            watch.heartbeat(0, A, 30, T0 + t * S, (t - 600 + 1) * S);
            skews.addAll(watch.skewedClocks());
        }
        assertThat(skews).containsExactly(new SilentHostWatch.ClockSkew(A, -100 * S));
        assertThat(watch.clockSkewNanos(A.key())).as("what its events' delivery latency is set right by")
                .isEqualTo(-100 * S);

        wall.set(T0 + 4_230 * S); // its clock set right
        watch.heartbeat(0, A, 30, T0 + 4_230 * S, 3_631 * S);
        assertThat(watch.clockSkewNanos(A.key())).isZero();
    }

    private static List<SilentHostWatch.Back> nonNull(SilentHostWatch.Back back) {
        return back == null ? List.of() : List.of(back);
    }

    /**
     * This host's clock stepped an hour back (NTP, a VM restored): every heartbeat then looked an hour ahead, was taken
     * as this clock plus a few seconds, and each host's last heartbeat stood still while its live partition moved on:
     * every host silent, back at its next heartbeat, silent again, for the hour.
     */
    @Test
    void theForwardersClockSteppedBackMakesNoHostSilent() {
        AtomicLong monotonic = new AtomicLong(0);
        AtomicLong wall = new AtomicLong(T0);
        SilentHostWatch watch = new SilentHostWatch(SilentHostWatch.MAX_WATCHED,
                new SteadyWallClock(wall::get, monotonic::get));
        watch.heartbeat(0, A, 30, T0, monotonic.get());
        watch.live(0, true, monotonic.get());
        wall.addAndGet(-3_600 * S);
        for (int i = 1; i <= 10; i++) {
            monotonic.addAndGet(30 * S);
            wall.addAndGet(30 * S);
            assertThat(watch.heartbeat(0, A, 30, T0 + i * 30 * S, monotonic.get())).as("never back: never silent")
                    .isNull();
            assertThat(watch.newlySilent(monotonic.get())).isEmpty();
        }
        assertThat(watch.ahead()).as("its heartbeats are not ahead of the time it knows").isZero();

        monotonic.addAndGet(120 * S); // and A's silence is still seen
        wall.addAndGet(120 * S);
        assertThat(watch.newlySilent(monotonic.get())).extracting(SilentHostWatch.Silent::host).containsExactly(A);
    }

    /**
     * Heartbeats of hosts not watched moved their partition's time to theirs: a writer of new host ids dated ahead
     * made every host there silent. They are not bounded by a previous heartbeat of theirs, so they move nothing.
     */
    @Test
    void hostsBeyondTheBoundAreNotWatchedAndTheirHeartbeatsDoNotMoveThePartitionOn() {
        SilentHostWatch small = new SilentHostWatch(2);
        small.heartbeat(0, A, 30, T0, 0);
        small.heartbeat(0, B, 30, T0, 0);
        for (int i = 0; i < 1000; i++) { // a writer of forged heartbeats, a new host id each
            assertThat(small.heartbeat(0, new HostRef("forged", "F" + i), 30, T0 + i * S, 0)).isNull();
        }
        assertThat(small.watched()).isEqualTo(2);
        assertThat(small.notWatched()).isEqualTo(1000);
        assertThat(small.newlySilent(0)).isEmpty();
        small.live(0, true, 0);
        assertThat(small.newlySilent(91 * S)).as("the hosts watched are judged all the same")
                .extracting(SilentHostWatch.Silent::host).containsExactlyInAnyOrder(A, B);
    }

    /**
     * Hosts reported silent made no room: 50,000 forged host ids, each claiming a day's interval, kept every new
     * host of the forwarder's partitions unwatched for ten days (three intervals, then a week before forgotten).
     */
    @Test
    void aFullWatchTakesANewHostInThePlaceOfOneSilentForADayNeverOfOneHeardOrJustSilent() {
        long day = 86_400 * S;
        HostRef forged1 = new HostRef("forged", "F1");
        HostRef forged2 = new HostRef("forged", "F2");
        HostRef late = new HostRef("late", "N");
        SilentHostWatch small = new SilentHostWatch(3);
        small.heartbeat(0, forged1, 86_400, T0, 0);
        small.live(0, true, 0); // the clock carries the partition's time on: three days pass
        small.heartbeat(0, forged2, 86_400, T0 + 100 * S, 100 * S);
        small.heartbeat(0, A, 30, T0 + 200 * S, 200 * S);
        assertThat(small.heartbeat(0, late, 30, T0 + 201 * S, 201 * S)).isNull();
        assertThat(small.notWatched()).as("full, nobody silent").isEqualTo(1);

        small.heartbeat(0, A, 30, T0 + 3 * day + 50 * S, 3 * day + 50 * S);
        assertThat(small.newlySilent(3 * day + 50 * S)).extracting(SilentHostWatch.Silent::host)
                .containsExactly(forged1);
        small.heartbeat(0, A, 30, T0 + 3 * day + 300 * S, 3 * day + 300 * S);
        assertThat(small.newlySilent(3 * day + 300 * S)).extracting(SilentHostWatch.Silent::host)
                .containsExactly(forged2);
        assertThat(small.heartbeat(0, forged2, 86_400, T0 + 3 * day + 301 * S, 3 * day + 301 * S))
                .as("heard again").isNotNull();

        small.heartbeat(0, late, 30, T0 + 3 * day + 302 * S, 3 * day + 302 * S);
        assertThat(small.replaced()).as("the late host took the place of the one silent longest").isEqualTo(1);
        assertThat(small.heartbeat(0, forged1, 86_400, T0 + 3 * day + 303 * S, 3 * day + 303 * S))
                .as("forgotten: a new host, not watched, no host-back").isNull();
        assertThat(small.notWatched()).as("none silent for a day: A, F2 and the late host heard").isEqualTo(2);
        assertThat(small.watched()).isEqualTo(3);

        small.heartbeat(0, late, 30, T0 + 3 * day + 400 * S, 3 * day + 400 * S); // A stopped at +300 s (a reboot)
        assertThat(small.newlySilent(3 * day + 400 * S)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
        small.heartbeat(0, new HostRef("later", "L1"), 30, T0 + 3 * day + 401 * S, 3 * day + 401 * S);
        assertThat(small.replaced()).as("A, silent for minutes, keeps its place").isEqualTo(1);
        assertThat(small.heartbeat(0, A, 30, T0 + 3 * day + 900 * S, 3 * day + 900 * S))
                .as("watched still: back").isNotNull();

        small.heartbeat(0, late, 30, T0 + 4 * day + 1000 * S, 4 * day + 1000 * S); // A silent again, for a day
        assertThat(small.newlySilent(4 * day + 1000 * S)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
        small.heartbeat(0, new HostRef("later", "L2"), 30, T0 + 4 * day + 1001 * S, 4 * day + 1001 * S);
        assertThat(small.replaced()).as("A, silent for a day, made room").isEqualTo(2);
    }

    @Test
    void hostsSilentForADayThenForgottenOrRevokedMakeNoRoomAfterwards() {
        long day = 86_400 * S;
        for (boolean revoked : new boolean[] {false, true}) {
            SilentHostWatch small = new SilentHostWatch(2);
            small.heartbeat(1, A, 30, T0, 0);
            small.heartbeat(1, B, 30, T0, 0);
            small.live(1, true, 0);
            assertThat(small.newlySilent(day + S)).hasSize(2); // both silent for a day: either could make room
            if (revoked) {
                small.forget(List.of(1));
            } else {
                assertThat(small.newlySilent(8 * day)).isEmpty();
                assertThat(small.forgotten()).isEqualTo(2);
            }
            for (String id : List.of("C", "D", "E")) {
                small.heartbeat(0, new HostRef(id.toLowerCase(), id), 30, T0 + 8 * day, 8 * day);
            }
            assertThat(small.watched()).as("never more than the bound").isEqualTo(2);
            assertThat(small.replaced()).isZero();
        }
    }

    /**
     * Host names and ids of 256 bytes each (any writer of the topic chooses them) took about a kilobyte a host:
     * 50,000 of them, 50 MB of the forwarder's 72 MB heap. The watch is bounded by its bytes too.
     */
    @Test
    void hostsOfLongNamesFillTheWatchByItsBytesBeforeItsCountAndFreeThemWhenForgotten() {
        AtomicLong wall = new AtomicLong(T0);
        SilentHostWatch longNames = new SilentHostWatch(1000, 10_000, wall::get);
        for (int i = 0; i < 100; i++) {
            longNames.heartbeat(0, new HostRef(String.format("%03d", i) + "n".repeat(253),
                    String.format("%03d", i) + "i".repeat(253)), 30, T0, 0);
        }
        assertThat(longNames.watched()).as("about a kilobyte each, at most 10 KB").isBetween(5, 10);
        SilentHostWatch shortNames = new SilentHostWatch(1000, 10_000, wall::get);
        for (int i = 0; i < 100; i++) {
            shortNames.heartbeat(0, new HostRef("web-" + i, "id-" + i), 30, T0, 0);
        }
        assertThat(shortNames.watched()).isGreaterThan(3 * longNames.watched());

        int watched = longNames.watched();
        wall.set(T0 + 2 * SilentHostWatch.FORGET_AFTER_NANOS);
        longNames.live(0, true, 0);
        assertThat(longNames.newlySilent(SilentHostWatch.FORGET_AFTER_NANOS)).hasSize(watched);
        longNames.newlySilent(2 * SilentHostWatch.FORGET_AFTER_NANOS);
        assertThat(longNames.watched()).isZero();
        for (int i = 0; i < 100; i++) {
            longNames.heartbeat(0, new HostRef(String.format("%03d", i) + "m".repeat(253),
                    String.format("%03d", i) + "j".repeat(253)), 30, T0 + 2 * SilentHostWatch.FORGET_AFTER_NANOS,
                    2 * SilentHostWatch.FORGET_AFTER_NANOS);
        }
        assertThat(longNames.watched()).as("the bytes of those forgotten given back").isEqualTo(watched);
    }

    /**
     * A check reports as many silent hosts as the alerts queued leave room for. Taken in the watch's map order, new
     * silent hosts (heartbeats of new ids, heard once: any writer of the topic) that sort before a real host kept it
     * from being reported for as long as they kept coming.
     */
    @Test
    void aHostFoundSilentIsReportedBeforeTheHostsFoundSilentAfterItHoweverManyCome() {
        SilentHostWatch small = new SilentHostWatch(10_000);
        String last = null; // an id the map iterates last, whatever its size: its spread hash's low bits all set
        for (int i = 0; last == null; i++) {
            if ((spread("V" + i) & 0x3FF) == 0x3FF) {
                last = "V" + i;
            }
        }
        HostRef real = new HostRef("real", last);
        small.heartbeat(0, real, 30, T0, 0);
        small.live(0, true, 0); // the real host is silent from the first check on
        long now = 0;
        int next = 0;
        boolean reported = false;
        for (int check = 0; check < 20 && !reported; check++) {
            for (int k = 0; k < 10; next++) { // ten new hosts a check, each sorting before it, silent at the check
                if ((spread("F" + next) & 0x3FF) != 0x3FF) {
                    small.heartbeat(0, new HostRef("forged", "F" + next), 30, T0, now);
                    k++;
                }
            }
            now += 100 * S;
            reported = small.newlySilent(now, 5).stream().anyMatch(silent -> silent.host().equals(real));
            assertThat(check).as("reported within three checks").isLessThan(3);
        }
        assertThat(reported).isTrue();
    }

    /** HashMap's bucket hash of a key. */
    private static int spread(String key) {
        int h = key.hashCode();
        return h ^ (h >>> 16);
    }

    @Test
    void aWatchedHostWhoseNameGrowsPastTheBytesKeepsItsEarlierName() {
        SilentHostWatch small = new SilentHostWatch(1000, 10_000, () -> T0 + 1000 * S);
        for (int i = 0; i < 30; i++) {
            small.heartbeat(0, new HostRef(null, String.format("%03d", i)), 30, T0, 0); // ~260 bytes each
        }
        for (int i = 0; i < 30; i++) { // then each names itself with 250 characters: ~500 bytes more each
            small.heartbeat(0, new HostRef("n".repeat(250), String.format("%03d", i)), 30, T0 + S, 0);
        }
        small.live(0, true, 0);
        List<SilentHostWatch.Silent> silent = small.newlySilent(100 * S);
        assertThat(silent).hasSize(30);
        assertThat(silent).filteredOn(h -> h.host().name() != null).as("as many renamed as the bytes allow")
                .hasSizeBetween(1, 5);
    }

    @Test
    void noHostIsPutOutForANewOneThatWouldNotFitEvenThen() {
        long day = 86_400 * S;
        AtomicLong wall = new AtomicLong(T0);
        SilentHostWatch small = new SilentHostWatch(1000, 3_300, wall::get);
        small.heartbeat(1, new HostRef(null, "s1"), 30, T0, 0); // ~260 bytes each
        small.heartbeat(1, new HostRef(null, "s2"), 30, T0, 0);
        small.heartbeat(0, new HostRef("n".repeat(250), "l".repeat(250)), 30, T0, 0); // ~1,250 bytes
        wall.set(T0 + 2 * day);
        small.live(1, true, 0);
        assertThat(small.newlySilent(2 * day)).hasSize(2); // the two short ones silent for a day: replaceable

        small.heartbeat(0, new HostRef("m".repeat(250), "k".repeat(250)), 30, T0 + 2 * day, 2 * day); // fits
        assertThat(small.heartbeat(0, new HostRef("o".repeat(250), "p".repeat(250)), 30, T0 + 2 * day, 2 * day))
                .isNull();
        assertThat(small.replaced()).as("putting out both would not make room: neither is put out").isZero();
        assertThat(small.watched()).isEqualTo(4);
    }

    @Test
    void aHostSilentForAWeekIsForgottenAndWatchedAnewWhenHeard() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.live(0, true, 0);
        assertThat(watch.newlySilent(100 * S)).hasSize(1);
        assertThat(watch.newlySilent(SilentHostWatch.FORGET_AFTER_NANOS)).isEmpty();
        assertThat(watch.watched()).as("still kept: not heard for a week, not more").isEqualTo(1);
        assertThat(watch.newlySilent(S + SilentHostWatch.FORGET_AFTER_NANOS)).isEmpty();
        assertThat(watch.watched()).isZero();
        assertThat(watch.forgotten()).isEqualTo(1);
        assertThat(watch.heartbeat(0, A, 30, T0 + 102 * S + SilentHostWatch.FORGET_AFTER_NANOS,
                S + SilentHostWatch.FORGET_AFTER_NANOS)).as("a new host: no host-back").isNull();
        assertThat(watch.watched()).isEqualTo(1);
    }

    @Test
    void aSilenceReadBetweenTwoJudgementsIsReportedWhenTheHostSpeaksAgain() {
        // A backlog read within a second: no judgement ran while A's silence lay between these two heartbeats.
        watch.heartbeat(0, A, 30, T0, 0);
        assertThat(watch.heartbeat(0, A, 30, T0 + 30 * S, 0)).isNull();
        assertThat(watch.heartbeat(0, A, 30, T0 + 120 * S, 0)).as("90 s: three intervals, not more").isNull();
        assertThat(watch.heartbeat(0, A, 30, T0 + 215 * S, 0)).isEqualTo(new SilentHostWatch.Back(A, 95, T0 + 120 * S,
                T0 + 215 * S, new SilentHostWatch.Silent(A, 30, 95, T0 + 120 * S, false)));
        assertThat(watch.newlySilent(0)).as("not raised twice").isEmpty();
        assertThat(watch.heartbeat(0, A, 30, T0 + 245 * S, 0)).isNull();
        // The first heartbeat a new owner reads is no silence, however old the host's previous one was.
        watch.forget(List.of(0));
        assertThat(watch.heartbeat(0, A, 30, T0 + 900 * S, 0)).isNull();
    }

    @Test
    void aLaggingForwarderJudgesByRecordTimesNotByWhenItConsumedThem() {
        long now = 0;
        for (long t = 0; t < 3_600; t += 30) { // an hour of backlog, delivered over ten hours of this clock
            watch.heartbeat(0, A, 30, T0 + t * S, now);
            watch.heartbeat(0, B, 30, T0 + (t + 29) * S, now);
            watch.live(0, false, now);
            now += 300 * S;
            assertThat(watch.newlySilent(now)).isEmpty();
        }
        // A goes quiet within the backlog: its silence is judged by record time too, as slowly as it is consumed.
        List<SilentHostWatch.Silent> silent = new ArrayList<>();
        for (long t = 3_600; t < 3_720; t += 30) {
            watch.heartbeat(0, B, 30, T0 + (t + 29) * S, now);
            watch.live(0, false, now);
            now += 300 * S;
            silent.addAll(watch.newlySilent(now));
        }
        assertThat(silent).extracting(SilentHostWatch.Silent::host).containsExactly(A);
    }

    @Test
    void onALivePartitionTimeWithoutRecordsIsSilence() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.live(0, true, 1_000 * S); // everything delivered: the local clock carries the partition on
        assertThat(watch.newlySilent(1_090 * S)).isEmpty();
        assertThat(watch.newlySilent(1_091 * S)).containsExactly(new SilentHostWatch.Silent(A, 30, 91, T0, false));
    }

    @Test
    void whileNotLiveTheLocalClockDoesNotCountAndWhatPassedWhileLiveStays() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.live(0, true, 0);
        watch.live(0, false, 60 * S); // Wazuh stopped taking datagrams, or records wait: 60 s counted so far
        assertThat(watch.newlySilent(10_000 * S)).isEmpty();
        watch.live(0, true, 10_000 * S);
        assertThat(watch.newlySilent(10_030 * S)).isEmpty();
        assertThat(watch.newlySilent(10_031 * S)).hasSize(1);
    }

    @Test
    void hostsOfRevokedPartitionsAreForgottenAndANewOwnerKnowsThemFromTheirFirstHeartbeat() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.heartbeat(1, B, 30, T0, 0);
        watch.forget(List.of(0));
        watch.live(0, true, 0); // partition 0 came back later, from another owner's commit
        watch.live(1, true, 0);
        assertThat(watch.newlySilent(1_000 * S)).containsExactly(new SilentHostWatch.Silent(B, 30, 1_000, T0, false));
        assertThat(watch.watched()).isEqualTo(1);
    }

    /**
     * A partition newly assigned is read again from a little before its previous owner's position: while it is, none
     * of its hosts is judged (those heartbeats were the previous owner's to judge). Then one silent for more than four
     * intervals is taken as reported by it (no second alert; back when heard), one silent for less is reported here
     * when its silence passes three, and one whose listener said it was stopping is reported stopped.
     */
    @Test
    void aPartitionHandedOverJudgesItsHostsFromItsPreviousOwnersPositionOn() {
        HostRef c = new HostRef("c", "C");
        HostRef d = new HostRef("d", "D");
        watch.handingOver(0, WatchHandover.Mark.NONE);
        watch.heartbeat(0, A, 30, T0, 0); // silent since: 150 s at the previous owner's position
        for (long t = 0; t <= 150; t += 10) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
            if (t == 100) {
                watch.heartbeat(0, c, 30, T0 + t * S, 0); // 50 s
            } else if (t == 110) {
                watch.heartbeat(0, d, -1, 30, T0 + t * S, true, 0); // stopping, 40 s
            }
        }
        assertThat(watch.newlySilent(0)).as("not judged while read again").isEmpty();

        assertThat(watch.handedOver(0, 0)).isEqualTo(new SilentHostWatch.HandedOver(4, 1));
        assertThat(watch.newlySilent(0)).as("A taken as reported by the previous owner").isEmpty();
        for (long t = 160; t <= 210; t += 10) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).containsExactlyInAnyOrder(
                new SilentHostWatch.Silent(c, 30, 110, T0 + 100 * S, false),
                new SilentHostWatch.Silent(d, 30, 100, T0 + 110 * S, true));
        assertThat(watch.heartbeat(0, A, 30, T0 + 220 * S, 0)).as("A said back")
                .isEqualTo(new SilentHostWatch.Back(A, 220, T0, T0 + 220 * S, null));
    }

    /**
     * The previous owner reported A silent at 91 s of its partition's time, which ran on with its clock (the
     * partition live) past B's last heartbeat, at 90 s; the partition moved at 100 s. By the heartbeats read again, A
     * is silent 90 s only, not over three intervals; by the previous owner's time, which its commit carries, it is:
     * taken as reported, not reported again, and said back when heard.
     */
    @Test
    void aHostThePreviousOwnerReportedIsNotReportedAgainWhateverTheHeartbeatsReadAgainSay() {
        watch.handingOver(0, new WatchHandover.Mark((T0 + 100 * S) / 1_000_000L, false)); // its last commit's
        watch.heartbeat(0, A, 30, T0, 0);
        for (long t = 0; t <= 90; t += 15) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.handedOver(0, 0)).isEqualTo(new SilentHostWatch.HandedOver(2, 1));
        assertThat(watch.newlySilent(0)).as("reported by the previous owner already").isEmpty();
        watch.heartbeat(0, B, 30, T0 + 105 * S, 0);
        assertThat(watch.newlySilent(0)).as("nor later").isEmpty();
        assertThat(watch.heartbeat(0, A, 30, T0 + 120 * S, 0)).as("said back when heard")
                .extracting(SilentHostWatch.Back::host).isEqualTo(A);
    }

    /**
     * Each owner's time is on the count of the host whose heartbeat it read first. The previous owner read A's first
     * (a clock right), this one, reading the last two minutes again, B's (10 minutes slow): the previous owner's time
     * compared as it was, every host was 10 minutes silent, taken as reported by it, and said back at its next
     * heartbeat, while C, whose listener died 50 s before the hand-over, was never reported. Only what the previous
     * owner's time ran on past its records crosses over now ({@link WatchHandover.Mark#ranOnMs}).
     */
    @Test
    void aHandOverComparesNoHostsClockWithAnothers() {
        HostRef c = new HostRef("c", "C");
        long slowB = 600 * S;
        SilentHostWatch first = new SilentHostWatch();
        List<long[]> written = new ArrayList<>(); // host (0 A, 1 B, 2 C), second written, time claimed
        for (long t = 0; t < 600; t++) { // every 30 s, A at 0, C at 10 (until 550), B at 20
            first.live(0, true, t * S);
            if (t % 30 == 0) {
                written.add(new long[] {0, t, T0 + t * S});
            } else if (t % 30 == 10 && t <= 550) {
                written.add(new long[] {2, t, T0 + t * S});
            } else if (t % 30 == 20) {
                written.add(new long[] {1, t, T0 + t * S - slowB});
            }
            long[] w = written.get(written.size() - 1);
            if (w[1] == t) {
                first.heartbeat(0, List.of(A, B, c).get((int) w[0]), 30, w[2], t * S);
            }
            assertThat(first.newlySilent(t * S)).isEmpty();
        }
        WatchHandover.Mark mark = WatchHandover.Mark.of(new OffsetAndMetadata(100, new WatchHandover.Mark(
                first.timeMs(0, 600 * S), false, first.stillSinceMs(0), first.ranOnMs(0, 600 * S)).metadata()));

        SilentHostWatch next = new SilentHostWatch();
        next.handingOver(0, mark);
        written.stream().filter(w -> w[1] >= 500) // the look-back's first record: B's
                .forEach(w -> next.heartbeat(0, List.of(A, B, c).get((int) w[0]), 30, w[2], 5000 * S));
        assertThat(next.handedOver(0, 5000 * S)).as("none silent over three intervals at the hand-over")
                .isEqualTo(new SilentHostWatch.HandedOver(3, 0));

        List<SilentHostWatch.Silent> silent = new ArrayList<>();
        for (long t = 600; t <= 700; t++) {
            long now = 5000 * S + (t - 600) * S;
            next.live(0, true, now);
            if (t % 30 == 0) {
                assertThat(next.heartbeat(0, A, 30, T0 + t * S, now)).as("A never silent").isNull();
            } else if (t % 30 == 20) {
                assertThat(next.heartbeat(0, B, 30, T0 + t * S - slowB, now)).as("B never silent").isNull();
            }
            silent.addAll(next.newlySilent(now));
        }
        assertThat(silent).extracting(SilentHostWatch.Silent::host).as("C, once").containsExactly(c);
    }

    /**
     * The previous owner's time ran on 80 s past its last heartbeat (its partition live, its hosts quiet): A silent 90
     * s then, B 80 s, neither reported yet. This owner's time goes on from there: both reported within a quarter of a
     * minute, not 80 s late; and its next mark says what its time ran on since, the previous owner's 80 s included.
     * So too when the partition is live here before the hand-over ends (an outage of writes during the rebalance):
     * its time stood at the previous owner's until its clock caught up (a review's finding).
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theTimeThePreviousOwnersRanOnPastItsHeartbeatsGoesOnHere(boolean liveBefore) {
        SilentHostWatch first = new SilentHostWatch();
        List<long[]> written = new ArrayList<>(); // host (0 A, 1 B), second written
        for (long t = 0; t <= 180; t++) {
            first.live(0, true, t * S);
            if (t <= 100 && t % 30 == 0) {
                written.add(new long[] {0, t});
                first.heartbeat(0, A, 30, T0 + t * S, t * S);
            } else if (t <= 100 && t % 30 == 10) {
                written.add(new long[] {1, t});
                first.heartbeat(0, B, 30, T0 + t * S, t * S);
            }
            assertThat(first.newlySilent(t * S)).isEmpty();
        }
        WatchHandover.Mark mark = WatchHandover.Mark.of(new OffsetAndMetadata(9, new WatchHandover.Mark(
                first.timeMs(0, 180 * S), false, first.stillSinceMs(0), first.ranOnMs(0, 180 * S)).metadata()));
        assertThat(mark.ranOnMs()).isEqualTo(80_000);

        SilentHostWatch next = new SilentHostWatch();
        next.handingOver(0, mark);
        written.stream().filter(w -> w[1] >= 60)
                .forEach(w -> next.heartbeat(0, w[0] == 0 ? A : B, 30, T0 + w[1] * S, 5000 * S));
        if (liveBefore) {
            next.live(0, true, 5000 * S);
        }
        assertThat(next.handedOver(0, 5000 * S)).isEqualTo(new SilentHostWatch.HandedOver(2, 0));
        List<HostRef> silent = new ArrayList<>();
        for (long t = 5000; t <= 5015; t++) {
            next.live(0, true, t * S);
            next.newlySilent(t * S).forEach(s -> silent.add(s.host()));
        }
        assertThat(silent).as("both within 15 s").containsExactlyInAnyOrder(A, B);
        assertThat(next.ranOnMs(0, 5015 * S)).as("95 s past its last heartbeat").isEqualTo(95_000);
    }

    /**
     * A partition handed over in an outage whose look-back held no heartbeat gets its time from the mark alone: no
     * heartbeat was read, so its mark says nothing of how far it ran on since one (it said the whole epoch, 56 years,
     * which a next owner took as far as this clock allows).
     */
    @Test
    void aTimeGivenByAnOutageAloneSaysNoRunSinceAHeartbeat() {
        SilentHostWatch next = new SilentHostWatch();
        next.handingOver(0, new WatchHandover.Mark((T0 + 100 * S) / 1_000_000L, false, (T0 + 40 * S) / 1_000_000L,
                30_000));
        assertThat(next.handedOver(0, 5000 * S)).isEqualTo(new SilentHostWatch.HandedOver(0, 0));
        assertThat(next.timeMs(0, 5000 * S)).as("its time, from the mark").isEqualTo((T0 + 100 * S) / 1_000_000L);
        assertThat(next.ranOnMs(0, 5000 * S)).isEqualTo(-1);
    }

    /**
     * The previous owner's last commit said host-state alerts it queued were not sent (Wazuh down at its stop): they
     * were lost with it, so a host silent by then is reported again, not taken as reported.
     */
    @Test
    void aHostSilentWhenThePreviousOwnerStoppedWithAlertsUnsentIsReportedAgain() {
        watch.handingOver(0, new WatchHandover.Mark((T0 + 100 * S) / 1_000_000L, true));
        watch.heartbeat(0, A, 30, T0, 0);
        for (long t = 0; t <= 90; t += 15) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.handedOver(0, 0)).isEqualTo(new SilentHostWatch.HandedOver(2, 0));
        watch.heartbeat(0, B, 30, T0 + 105 * S, 0);
        assertThat(watch.newlySilent(0)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
    }

    @Test
    void aPartitionRevokedWhileHandedOverIsNotHeldBackWhenItComesBack() {
        watch.handingOver(0, WatchHandover.Mark.NONE);
        watch.forget(List.of(0));
        watch.heartbeat(0, A, 30, T0, 0);
        for (long t = 0; t <= 100; t += 10) {
            watch.heartbeat(0, B, 30, T0 + t * S, 0);
        }
        assertThat(watch.newlySilent(0)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
        assertThat(watch.handedOver(0, 0)).isEqualTo(new SilentHostWatch.HandedOver(0, 0));
    }

    @Test
    void aPartitionsTimeDoesNotJudgeHostsOfAnotherPartition() {
        watch.heartbeat(0, A, 30, T0, 0);
        watch.heartbeat(1, B, 30, T0, 0);
        watch.live(1, true, 0);
        assertThat(watch.newlySilent(1_000 * S)).extracting(SilentHostWatch.Silent::host).containsExactly(B);
    }

    /**
     * Partitions added to the events topic: each host's listener puts its records in the partition its key now maps
     * to, and the partition it left goes on with the others. The forwarder owning the old one reported every host
     * that moved silent (and never back: another forwarder heard it). A host that moved is forgotten where it was; a
     * heartbeat its listener wrote there before it learnt of the new partitions is not watched there.
     */
    @Test
    void hostsThatMovedWhenPartitionsWereAddedAreForgottenWhereTheyWereAndNotReportedSilent() {
        List<HostRef> hosts = new ArrayList<>();
        for (int h = 0; h < 40; h++) {
            hosts.add(new HostRef("h" + h, "H" + h));
        }
        watch.partitionCount(1, Set.of(0), 0);
        for (HostRef host : hosts) {
            watch.heartbeat(0, host, hash(host), 30, T0, 0);
        }
        watch.partitionCount(4, Set.of(0), 0); // three partitions added; the rebalance assigning them is to come
        assertThat(watch.watched()).as("not before the assignment reflects the count").isEqualTo(hosts.size());
        // They went to another forwarder; this one keeps 0, and applies the count after the bound.
        watch.partitionCount(4, Set.of(0), SilentHostWatch.PENDING_COUNT_NANOS);
        List<HostRef> stayed = hosts.stream().filter(h -> hash(h) % 4 == 0).toList();
        assertThat(stayed).hasSizeBetween(1, 39);
        assertThat(watch.watched()).isEqualTo(stayed.size());
        assertThat(watch.moved()).isEqualTo(hosts.size() - stayed.size());

        HostRef late = hosts.stream().filter(h -> hash(h) % 4 != 0).findFirst().orElseThrow();
        assertThat(watch.heartbeat(0, late, hash(late), 30, T0 + 10 * S, 0)).isNull(); // written before it learnt
        for (long t = 30; t <= 300; t += 30) {
            for (HostRef host : stayed) {
                watch.heartbeat(0, host, hash(host), 30, T0 + t * S, 0);
            }
        }
        assertThat(watch.newlySilent(0)).as("the hosts that moved are not this partition's any more").isEmpty();
        assertThat(watch.watched()).isEqualTo(stayed.size());

        // The hosts that stayed are still watched: one that stops is reported.
        watch.live(0, true, 0);
        assertThat(watch.newlySilent(100 * S)).extracting(SilentHostWatch.Silent::host)
                .containsExactlyInAnyOrderElementsOf(stayed);
    }

    /** A forwarder that owns the new partition too (the only one of its group) follows the host there. */
    @Test
    void aHostThatMovedToAPartitionOfThisForwarderStaysWatchedAndComesBackThere() {
        assertThat(hash(A) % 4).isEqualTo(2);
        watch.partitionCount(1, Set.of(0), 0);
        watch.heartbeat(0, A, hash(A), 30, T0, 0);
        for (long t = 0; t <= 100; t += 25) {
            watch.heartbeat(0, B, hash(B), 30, T0 + t * S, 0); // A silent
        }
        assertThat(watch.newlySilent(0)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
        watch.partitionCount(4, Set.of(0, 1, 2, 3), 0);
        assertThat(watch.watched()).isEqualTo(2);
        assertThat(watch.heartbeat(0, A, hash(A), 30, T0 + 110 * S, 0)).as("heard where it was, still watched")
                .isNotNull();
        assertThat(watch.heartbeat(2, A, hash(A), 30, T0 + 140 * S, 0)).as("then where it went").isNull();
        assertThat(watch.moved()).isZero();
    }

    @Test
    void aHostInAPartitionTheDefaultPartitionerNeverGaveItStaysWatchedWhenPartitionsAreAdded() {
        watch.partitionCount(2, Set.of(1), 0);
        assertThat(hash(A) % 2).isZero();
        assertThat(hash(A) % 4).isEqualTo(2);
        int elsewhere = 1; // its listener's own partitioner put it there
        watch.heartbeat(elsewhere, A, hash(A), 30, T0, 0);
        watch.partitionCount(4, Set.of(1), 0);
        watch.partitionCount(4, Set.of(1), SilentHostWatch.PENDING_COUNT_NANOS);
        assertThat(watch.watched()).isEqualTo(1);
        assertThat(watch.moved()).isZero();
        watch.live(elsewhere, true, 0);
        assertThat(watch.newlySilent(100 * S)).extracting(SilentHostWatch.Silent::host).containsExactly(A);
    }

    /**
     * The metadata shows the new count before the rebalance that assigns the new partitions (in a classic group only
     * the leader rebalances on it, at its own metadata refresh: up to 30 s later). A host moving to a new partition
     * was forgotten against the assignment of that moment, though the rebalance gave this forwarder its partition:
     * reported silent before, it got no host-back there; silent and not reported yet, it was never reported. It is
     * kept, not judged, until the assignment reflects the count, then followed, or forgotten.
     */
    @Test
    void aHostMovingWhenPartitionsAreAddedIsKeptUnjudgedUntilTheRebalanceThenFollowedOrForgotten() {
        assertThat(hash(A) % 4).isEqualTo(2);
        assertThat(hash(B) % 4).isZero();
        for (Set<Integer> given : List.of(Set.of(0, 1, 2, 3), Set.of(0, 1))) {
            SilentHostWatch watch = new SilentHostWatch();
            watch.partitionCount(2, Set.of(0, 1), 0);
            watch.heartbeat(0, A, hash(A), 30, T0, 0);
            watch.heartbeat(0, B, hash(B), 30, T0, 0);
            watch.live(0, true, 0);
            watch.partitionCount(4, Set.of(0, 1), S); // seen before the rebalance
            assertThat(watch.newlySilent(100 * S)).as("B judged; A, moving, not yet")
                    .extracting(SilentHostWatch.Silent::host).containsExactly(B);
            assertThat(watch.watched()).isEqualTo(2);
            assertThat(watch.moved()).isZero();

            watch.partitionCount(4, Set.of(0, 1), 10 * S);
            assertThat(watch.watched()).as("no rebalance yet").isEqualTo(2);
            // Given a new partition, the assignment reflects the count; given none, the bound applies it.
            watch.partitionCount(4, given, given.contains(2) ? 11 * S : S + SilentHostWatch.PENDING_COUNT_NANOS);
            if (given.contains(2)) {
                assertThat(watch.moved()).isZero();
                assertThat(watch.newlySilent(101 * S)).as("its new partition is this forwarder's: judged again")
                        .extracting(SilentHostWatch.Silent::host).containsExactly(A);
                assertThat(watch.heartbeat(2, A, hash(A), 30, T0 + 200 * S, 101 * S)).as("and back there")
                        .isNotNull();
            } else {
                assertThat(watch.moved()).isEqualTo(1);
                assertThat(watch.watched()).isEqualTo(1);
                assertThat(watch.newlySilent(1000 * S)).as("another forwarder's: forgotten, never judged").isEmpty();
            }
        }
    }

    /**
     * A forwarder given none of the new partitions cannot tell the rebalance that reflects the count from one the
     * leader computed from the old count (any rebalance ending here: {@link SilentHostWatch#partitionCount}): the
     * count is applied after {@link SilentHostWatch#PENDING_COUNT_NANOS}, its moving hosts kept unjudged until then.
     * One given a new partition applies it at once.
     */
    @Test
    void aNewPartitionCountIsAppliedWhenANewPartitionIsAssignedOrAfterItsBoundWithoutARebalance() {
        watch.partitionCount(2, Set.of(0), 0);
        watch.heartbeat(0, A, hash(A), 30, T0, 0);
        watch.live(0, true, 0);
        watch.partitionCount(4, Set.of(0), S);
        watch.partitionCount(4, Set.of(0), S + SilentHostWatch.PENDING_COUNT_NANOS - 1);
        assertThat(watch.newlySilent(S + SilentHostWatch.PENDING_COUNT_NANOS - 1)).as("moving: kept, not judged")
                .isEmpty();
        assertThat(watch.watched()).isEqualTo(1);
        assertThat(watch.moved()).isZero();
        watch.partitionCount(4, Set.of(0), S + SilentHostWatch.PENDING_COUNT_NANOS);
        assertThat(watch.moved()).isEqualTo(1);

        SilentHostWatch given = new SilentHostWatch();
        given.partitionCount(2, Set.of(0), 0);
        given.heartbeat(0, A, hash(A), 30, T0, 0);
        given.heartbeat(0, B, hash(B), 30, T0, 0);
        given.partitionCount(4, Set.of(0), S);
        given.partitionCount(4, Set.of(0, 3), 2 * S); // a partition past the count before: the assignment has it
        assertThat(given.moved()).as("A's partition 2 is another forwarder's").isEqualTo(1);
        assertThat(given.watched()).isEqualTo(1);
    }

    /**
     * The group's leader sees a new count up to its {@code metadata.max.age.ms} after this forwarder did: with
     * Kafka's default (5 minutes, set in {@code --kafka-config}) a fixed 5-minute bound applied the count, and forgot
     * the moving hosts, before the leader's rebalance could have given this forwarder their partition.
     */
    @Test
    void aLongerMetadataAgeHoldsANewCountThatMuchLonger() {
        SilentHostWatch slow = new SilentHostWatch(java.time.Duration.ofMinutes(5));
        slow.partitionCount(2, Set.of(0), 0);
        slow.heartbeat(0, A, hash(A), 30, T0, 0);
        slow.partitionCount(4, Set.of(0), S);
        slow.partitionCount(4, Set.of(0), S + SilentHostWatch.PENDING_COUNT_NANOS);
        assertThat(slow.moved()).as("the leader may not have seen the count yet").isZero();
        assertThat(slow.watched()).isEqualTo(1);
        long bound = java.time.Duration.ofMinutes(5).plus(SilentHostWatch.REBALANCE_AFTER_REFRESH).toNanos();
        slow.partitionCount(4, Set.of(0), S + bound - 1);
        assertThat(slow.moved()).isZero();
        slow.partitionCount(4, Set.of(0), S + bound);
        assertThat(slow.moved()).as("A's partition 2 is another forwarder's").isEqualTo(1);
        assertThat(SilentHostWatch.PENDING_COUNT_NANOS).as("the default age, 30 s: 5 minutes")
                .isEqualTo(java.time.Duration.ofMinutes(5).toNanos());
        assertThat(SilentHostWatch.pendingCountNanos(java.time.Duration.ofMillis(Long.MAX_VALUE)))
                .as("a refresh turned off: never, not an overflow").isEqualTo(Long.MAX_VALUE);
    }

    private static int hash(HostRef host) {
        return io.dwb.schemas.HostPartition.hash(host.id().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Partition 0 of {@code watch} takes no writes, live, each second from {@code from} to {@code to} (seconds of the
     * monotonic clock), and no host of it is reported silent meanwhile.
     */
    private static void outage(SilentHostWatch watch, long from, long to) {
        for (long t = from; t <= to; t++) {
            watch.live(0, true, t * S);
            watch.unwritable(Set.of(0), t * S);
            assertThat(watch.newlySilent(t * S)).as("at %d s", t).isEmpty();
        }
    }
}
