package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * One host's flood, found among what a partition sends for a minute, with the records waiting behind it: said once,
 * and once again when the partition caught up. Time is the test's (monotonic nanoseconds).
 */
class FloodingHostsTest {
    private static final TopicPartition P0 = new TopicPartition("docker-events", 0);
    private static final TopicPartition P1 = new TopicPartition("docker-events", 1);
    private static final HostRef LOOPER = new HostRef("ci-runner-7", "LOOP:ER");
    private static final long S = 1_000_000_000L;
    /** When the flood's events were written (their timeNano): at once, faster than any pace. */
    private static final long WRITTEN = 1_764_000_000_000_000_000L;

    private final FloodingHosts floods = new FloodingHosts();
    private long now = 1_000 * S;

    @Test
    void aHostWithHalfOfEachWindowForAMinuteAndAMinuteWaitingIsSaidOnceThenItsPartitionCaughtUp() {
        assertThat(windows(FloodingHosts.FLOOD_WINDOWS - 1)).as("not a minute yet").isEmpty();
        assertThat(window(P0, 600, 400, 6_000)).singleElement()
                .isEqualTo(new FloodingHosts.Flooding(P0, LOOPER, 600, 1_000, FloodingHosts.WINDOW_NANOS, 6_000));
        assertThat(floods.flooded()).isEqualTo(1);

        assertThat(window(P0, 900, 100, 5_000)).as("said once a flood").isEmpty();
        now += 50 * S;
        assertThat(floods.judge(Map.of(P0, OptionalLong.empty()), now)).as("Kafka does not answer: not known")
                .isEmpty();
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_001)), now)).as("more than a window waits").isEmpty();
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_000)), now)).singleElement()
                .isEqualTo(new FloodingHosts.CaughtUp(P0, LOOPER, 60 * S));
        assertThat(floods.flooded()).isZero();

        windows(FloodingHosts.FLOOD_WINDOWS - 1);
        assertThat(window(P0, 600, 400, 60_000)).as("a new flood, said again").hasSize(1);
    }

    /**
     * A burst read from an old backlog (a stack restarted while Wazuh was down) fills a window or two: no flood. Nor
     * is a minute of windows whose records are not all of one host's qualifying windows in a row.
     */
    @Test
    void aBurstOfAFewWindowsOrAStreakBrokenIsNoFlood() {
        assertThat(windows(FloodingHosts.FLOOD_WINDOWS - 1)).isEmpty();
        assertThat(window(P0, 499, 501, 60_000)).as("under half breaks the streak").isEmpty();
        assertThat(windows(FloodingHosts.FLOOD_WINDOWS - 1)).isEmpty();
        assertThat(window(P0, 600, 400, 60_000)).as("a minute in a row").hasSize(1);
    }

    @Test
    void nothingIsSaidOfAShortWaitAFewRecordsOrAWindowNotOver() {
        windows(FloodingHosts.FLOOD_WINDOWS - 1);
        deliverMixed(P0, 600, 400);
        now += FloodingHosts.WINDOW_NANOS - 1;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(60_000)), now)).as("the window not over").isEmpty();
        now += 1;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(5_999)), now)).as("under a minute waiting").isEmpty();
        assertThat(window(P0, 600, 400, 6_000)).as("the streak stands: a minute waiting now").hasSize(1);

        FloodingHosts few = new FloodingHosts();
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int i = 0; i < FloodingHosts.MIN_RECORDS - 1; i++) {
                few.delivered(P1, LOOPER, WRITTEN, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            assertThat(few.judge(Map.of(P1, OptionalLong.of(60_000)), now)).as("99 a window: too few").isEmpty();
        }
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int i = 0; i < FloodingHosts.MIN_RECORDS; i++) {
                few.delivered(P1, LOOPER, WRITTEN, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            List<FloodingHosts.Change> said = few.judge(Map.of(P1, OptionalLong.of(60_000)), now);
            assertThat(said).as("100 a window").hasSize(window == FloodingHosts.FLOOD_WINDOWS - 1 ? 1 : 0);
        }
    }

    /**
     * A host alone in its partition, read back after Wazuh was down for hours: its records (one a second) wait, but
     * it wrote them slower than the partition sends them: no flood. Windows of 1,000 written within 5 s each, faster
     * than they were sent (in 10 s), are one.
     */
    @Test
    void aLoneHostsBacklogWrittenAtItsOwnPaceIsNoFloodOneWrittenFasterThanSentIs() {
        long written = WRITTEN;
        for (int window = 0; window < 2 * FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int i = 0; i < 1_000; i++) {
                floods.delivered(P0, LOOPER, written += S, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_400_000)), now)).isEmpty();
        }
        List<FloodingHosts.Change> said = List.of();
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int i = 0; i < 1_000; i++) {
                floods.delivered(P0, LOOPER, written += 5_000_000L, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            said = floods.judge(Map.of(P0, OptionalLong.of(1_400_000)), now);
        }
        assertThat(said).singleElement().isInstanceOf(FloodingHosts.Flooding.class);
    }

    /**
     * A quiet window between two (nothing sent for a window's length: a host's bursts an hour apart) ends the streak:
     * before, the streak changed only when a window was judged, so three windows of each of two bursts made six in a
     * row, and a third burst was said a flood at its first window.
     */
    @Test
    void windowsWithAQuietWindowBetweenThemAreNotInARow() {
        for (int burst = 0; burst < 3; burst++) {
            assertThat(windows(3)).as("burst %d", burst).isEmpty();
            now += 3_600 * S;
        }
        now -= 3_600 * S - FloodingHosts.WINDOW_NANOS + 1;
        assertThat(windows(2)).isEmpty();
        assertThat(window(P0, 600, 400, 60_000)).as("less than a window's quiet: in a row").hasSize(1);
    }

    /**
     * A window of a few records during the flood (a lull) leaves the bound of catching up at the most a window sent:
     * before, it fell to those few, and a partition whose lag stayed above them (its heartbeats, the markers of its
     * transactions) was counted flooded in {@code dwb_forwarder_partitions_flooded} long after it caught up.
     */
    @Test
    void aSmallWindowDuringTheFloodDoesNotLowerWhatCaughtUpMeans() {
        windows(FloodingHosts.FLOOD_WINDOWS - 1);
        assertThat(window(P0, 600, 400, 6_000)).hasSize(1);
        assertThat(window(P0, 3, 0, 5_000)).as("a lull").isEmpty();
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_000)), now)).singleElement()
                .isInstanceOf(FloodingHosts.CaughtUp.class);
        assertThat(floods.flooded()).isZero();
    }

    /**
     * A second host's flood while the partition has not caught up from the first's: before, one flood a partition was
     * said until it caught up, and the second was hidden behind the first, whose host an operator looked at while it
     * had stopped. A host said going on, or again after the other's, is not said again; the catching up is said of
     * each host said, whose agent (--agent-keys) heard of its flood.
     */
    @Test
    void anotherHostsFloodBeforeThePartitionCaughtUpIsSaidTooAndTheFirstHostsOnlyOnce() {
        HostRef second = new HostRef("build-3", "BUILD:3");
        windows(FloodingHosts.FLOOD_WINDOWS);
        assertThat(floods.flooded()).isEqualTo(1);
        assertThat(windows(FloodingHosts.FLOOD_WINDOWS)).as("the first host going on").isEmpty();

        for (int i = 1; i < FloodingHosts.FLOOD_WINDOWS; i++) {
            assertThat(window(P0, second, 700, 300, 60_000)).isEmpty();
        }
        assertThat(window(P0, second, 700, 300, 60_000)).singleElement().isEqualTo(
                new FloodingHosts.Flooding(P0, second, 700, 1_000, FloodingHosts.WINDOW_NANOS, 60_000));
        assertThat(floods.flooded()).as("one partition").isEqualTo(1);
        assertThat(windows(FloodingHosts.FLOOD_WINDOWS)).as("the first host again").isEmpty();

        now += 30 * S;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_000)), now)).containsExactly(
                new FloodingHosts.CaughtUp(P0, LOOPER, (30 + 18 * 10) * S),
                new FloodingHosts.CaughtUp(P0, second, (30 + 6 * 10) * S));
    }

    /**
     * A writer of ever new host ids, each flooding the partition for a streak: each is said once, and the latest
     * {@link FloodingHosts#SAID_KEPT} are told of the catching up. Before, every host said was kept until then (10,080
     * in a week's flood of one partition), and as many alerts were queued at once, ahead of every record.
     */
    @Test
    void aWriterOfEverNewHostIdsIsSaidHostByHostAndOnlyTheLatestAreRememberedUntilTheCatchUp() {
        int hosts = FloodingHosts.SAID_KEPT + 24;
        List<HostRef> flooders = new java.util.ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            HostRef host = new HostRef("forged-" + h, "FORGED:" + h);
            flooders.add(host);
            for (int i = 1; i < FloodingHosts.FLOOD_WINDOWS; i++) {
                assertThat(window(P0, host, 700, 300, 60_000)).isEmpty();
            }
            assertThat(window(P0, host, 700, 300, 60_000)).as("host %d", h).singleElement()
                    .isInstanceOf(FloodingHosts.Flooding.class);
        }
        now += 30 * S;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_000)), now))
                .extracting(FloodingHosts.Change::host)
                .containsExactlyElementsOf(flooders.subList(hosts - FloodingHosts.SAID_KEPT, hosts));
        assertThat(floods.flooded()).isZero();
    }

    /** Windows Wazuh paused or the loop was held in are dropped: their time is no measure of the pace. */
    @Test
    void aWindowInterruptedIsNotJudgedAndTheStreakStands() {
        windows(FloodingHosts.FLOOD_WINDOWS - 1);
        deliverMixed(P0, 600, 400);
        now += FloodingHosts.WINDOW_NANOS / 2;
        floods.interrupted(now); // the pause's start
        now += FloodingHosts.WINDOW_NANOS;
        floods.interrupted(now); // the loop's look while it lasts
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(60_000)), now)).isEmpty();
        assertThat(window(P0, 600, 400, 60_000)).as("the streak goes on after the pause").hasSize(1);
    }

    /**
     * An interruption carries a streak over its own time, not over the quiet after it: before, a streak once
     * interrupted went on with the next qualifying window however long after (an hour's quiet, a new burst).
     */
    @Test
    void anInterruptionDoesNotCarryAStreakOverTheQuietAfterIt() {
        windows(3);
        floods.interrupted(now);
        now += 3_600 * S;
        assertThat(windows(3)).as("windows after the quiet").isEmpty();
    }

    /**
     * Forged host ids by the thousand beside the flood: the window keeps a few hosts only, and the flooding one among
     * them, counted no more than it wrote.
     */
    @Test
    void aFloodAmongThousandsOfOtherHostsIsFoundAndCountedNoMoreThanItWrote() {
        List<FloodingHosts.Change> said = List.of();
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int i = 0; i < 10_000; i++) {
                floods.delivered(P0, new HostRef("forged-" + i, "FORGED:" + window + ":" + i), WRITTEN, now);
                floods.delivered(P0, LOOPER, WRITTEN, now);
                floods.delivered(P0, LOOPER, WRITTEN, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            said = floods.judge(Map.of(P0, OptionalLong.of(1_000_000)), now);
        }
        assertThat(said).singleElement().isInstanceOfSatisfying(FloodingHosts.Flooding.class, f -> {
            assertThat(f.host()).isEqualTo(LOOPER);
            assertThat(f.ofRecords()).isEqualTo(30_000);
            assertThat(f.records()).isBetween(15_000L, 20_000L);
        });
    }

    /**
     * A host that comes after the window is full of others takes the least counted one's place and inherits its
     * count as an overcount: counted no more than it wrote, and judged by that. Counted with the overcount, a host
     * short of half would pass.
     */
    @Test
    void aHostComingAfterSixteenOthersIsCountedWithoutWhatItInherited() {
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int host = 0; host < FloodingHosts.COUNTERS; host++) {
                for (int i = 0; i < 10; i++) {
                    floods.delivered(P0, new HostRef("web-" + host, "WEB:" + host), WRITTEN, now);
                }
            }
            for (int i = 0; i < 400; i++) {
                floods.delivered(P0, LOOPER, WRITTEN, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            List<FloodingHosts.Change> said = floods.judge(Map.of(P0, OptionalLong.of(60_000)), now);
            if (window == FloodingHosts.FLOOD_WINDOWS - 1) {
                assertThat(said).singleElement().isInstanceOfSatisfying(FloodingHosts.Flooding.class, f -> {
                    assertThat(f.records()).as("its own 400, not the 10 it took over").isEqualTo(400);
                    assertThat(f.ofRecords()).isEqualTo(560);
                });
            }
        }

        FloodingHosts shortOfHalf = new FloodingHosts();
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            for (int host = 0; host < FloodingHosts.COUNTERS; host++) {
                for (int i = 0; i < 30; i++) {
                    shortOfHalf.delivered(P0, new HostRef("web-" + host, "WEB:" + host), WRITTEN, now);
                }
            }
            for (int i = 0; i < 470; i++) { // 470 of 950: with the 30 it took over, 500
                shortOfHalf.delivered(P0, LOOPER, WRITTEN, now);
            }
            now += FloodingHosts.WINDOW_NANOS;
            assertThat(shortOfHalf.judge(Map.of(P0, OptionalLong.of(60_000)), now)).isEmpty();
        }
    }

    @Test
    void aPartitionNoLongerAssignedIsForgottenAndItsCatchUpNotSaid() {
        for (int window = 0; window < FloodingHosts.FLOOD_WINDOWS; window++) {
            deliverMixed(P0, 600, 400);
            deliverMixed(P1, 600, 400);
            now += FloodingHosts.WINDOW_NANOS;
            floods.judge(Map.of(P0, OptionalLong.of(6_000), P1, OptionalLong.of(6_000)), now);
        }
        assertThat(floods.flooded()).isEqualTo(2);

        assertThat(floods.judge(Map.of(P1, OptionalLong.of(2_000)), now)).as("P0 revoked").isEmpty();
        assertThat(floods.flooded()).isEqualTo(1);
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(0), P1, OptionalLong.of(0)), now))
                .containsExactly(new FloodingHosts.CaughtUp(P1, LOOPER, 0));
    }

    /** One window of {@code looping} and {@code others} records, judged with {@code waiting} records waiting. */
    /**
     * {@code count} windows of {@link #P0} in which {@link #LOOPER} has 600 of 1,000 records, a minute's records
     * waiting: what they changed, all together.
     */
    private List<FloodingHosts.Change> windows(int count) {
        List<FloodingHosts.Change> changes = new ArrayList<>();
        for (int window = 0; window < count; window++) {
            changes.addAll(window(P0, 600, 400, 60_000));
        }
        return changes;
    }

    private List<FloodingHosts.Change> window(TopicPartition partition, int looping, int others, long waiting) {
        return window(partition, LOOPER, looping, others, waiting);
    }

    /** A window of {@code looping} records of {@code looper} and {@code others}, then judged. */
    private List<FloodingHosts.Change> window(TopicPartition partition, HostRef looper, int looping, int others,
                                              long waiting) {
        deliverMixed(partition, looper, looping, others);
        now += FloodingHosts.WINDOW_NANOS;
        return floods.judge(Map.of(partition, OptionalLong.of(waiting)), now);
    }

    /** {@code looping} records of {@link #LOOPER}, and {@code others} of as many other hosts, mixed. */
    private void deliverMixed(TopicPartition partition, int looping, int others) {
        deliverMixed(partition, LOOPER, looping, others);
    }

    /** {@code looping} records of {@code looper}, and {@code others} of as many other hosts, mixed. */
    private void deliverMixed(TopicPartition partition, HostRef looper, int looping, int others) {
        for (int i = 0; i < Math.max(looping, others); i++) {
            if (i < looping) {
                floods.delivered(partition, looper, WRITTEN, now);
            }
            if (i < others) {
                floods.delivered(partition, new HostRef("web-" + i, "WEB:" + i), WRITTEN, now);
            }
        }
    }
}
