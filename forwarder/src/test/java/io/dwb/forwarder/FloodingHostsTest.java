package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * One host's flood, found among what a partition delivers, with the records waiting behind it: said once, and once
 * again when the partition caught up. Time is the test's (monotonic nanoseconds).
 */
class FloodingHostsTest {
    private static final TopicPartition P0 = new TopicPartition("docker-events", 0);
    private static final TopicPartition P1 = new TopicPartition("docker-events", 1);
    private static final HostRef LOOPER = new HostRef("ci-runner-7", "LOOP:ER");
    private static final long S = 1_000_000_000L;
    /** When the flood's records were written (their timestamps, ms): within one millisecond, faster than any pace. */
    private static final long WRITTEN_MS = 1_764_000_000_000L;

    private final FloodingHosts floods = new FloodingHosts();
    private long now = 1_000 * S;

    @Test
    void aHostWithHalfOfAWindowAndAMinuteWaitingIsSaidOnceThenItsPartitionCaughtUp() {
        deliverMixed(P0, 600, 400); // 1,000 records in the window: a minute of them is 6,000
        now += FloodingHosts.WINDOW_NANOS;

        assertThat(floods.judge(Map.of(P0, OptionalLong.of(6_000)), now)).singleElement()
                .isEqualTo(new FloodingHosts.Flooding(P0, LOOPER, 600, 1_000, FloodingHosts.WINDOW_NANOS, 6_000));
        assertThat(floods.flooded()).isEqualTo(1);

        deliverMixed(P0, 900, 100);
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(5_000)), now)).as("said once a flood").isEmpty();
        now += 50 * S;
        assertThat(floods.judge(Map.of(P0, OptionalLong.empty()), now)).as("Kafka does not answer: not known")
                .isEmpty();
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(0)), now)).singleElement()
                .isEqualTo(new FloodingHosts.CaughtUp(P0, LOOPER, 60 * S));
        assertThat(floods.flooded()).isZero();

        deliverMixed(P0, 600, 400);
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(6_000)), now)).as("a new flood, said again")
                .hasSize(1);
    }

    @Test
    void nothingIsSaidOfAShortWaitAFewRecordsAnEvenMixOrAWindowNotOver() {
        deliverMixed(P0, 600, 400);
        now += FloodingHosts.WINDOW_NANOS - 1;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(60_000)), now)).as("the window not over").isEmpty();
        now += 1;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(5_999)), now)).as("under a minute waiting").isEmpty();

        deliverMixed(P0, 60, 39); // 99 records
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(60_000)), now)).as("too few to say").isEmpty();

        deliverMixed(P0, 499, 501); // under half
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(60_000)), now)).as("no host has half").isEmpty();

        deliverMixed(P0, 500, 500); // half
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(6_000)), now)).hasSize(1);
    }

    /**
     * A host alone in its partition, read back after Wazuh was down for hours: its records (one a second) wait, but
     * it wrote them slower than the partition delivers them: no flood. A window's 1,000 written within 5 s, faster
     * than they were delivered (in 10 s), is one.
     */
    @Test
    void aLoneHostsBacklogWrittenAtItsOwnPaceIsNoFloodOneWrittenFasterThanDeliveredIs() {
        for (int i = 0; i < 1_000; i++) {
            floods.delivered(P0, LOOPER, WRITTEN_MS + i * 1_000L, now);
        }
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_400_000)), now)).isEmpty();

        for (int i = 0; i < 1_000; i++) {
            floods.delivered(P0, LOOPER, WRITTEN_MS + i * 5L, now);
        }
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(1_400_000)), now)).singleElement()
                .isInstanceOf(FloodingHosts.Flooding.class);
    }

    /**
     * Forged host ids by the thousand beside the flood: the window keeps a few hosts only, and the flooding one among
     * them, counted no more than it wrote.
     */
    @Test
    void aFloodAmongThousandsOfOtherHostsIsFoundAndCountedNoMoreThanItWrote() {
        for (int i = 0; i < 20_000; i++) {
            floods.delivered(P0, new HostRef("forged-" + i, "FORGED:" + i), WRITTEN_MS, now);
            floods.delivered(P0, LOOPER, WRITTEN_MS, now);
            floods.delivered(P0, LOOPER, WRITTEN_MS, now);
        }
        now += FloodingHosts.WINDOW_NANOS;

        List<FloodingHosts.Change> said = floods.judge(Map.of(P0, OptionalLong.of(1_000_000)), now);

        assertThat(said).singleElement().isInstanceOfSatisfying(FloodingHosts.Flooding.class, f -> {
            assertThat(f.host()).isEqualTo(LOOPER);
            assertThat(f.ofRecords()).isEqualTo(60_000);
            assertThat(f.records()).isBetween(30_000L, 40_000L);
        });
    }

    @Test
    void aPartitionNoLongerAssignedIsForgottenAndItsCatchUpNotSaid() {
        deliverMixed(P0, 600, 400);
        deliverMixed(P1, 600, 400);
        now += FloodingHosts.WINDOW_NANOS;
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(6_000), P1, OptionalLong.of(6_000)), now)).hasSize(2);

        assertThat(floods.judge(Map.of(P1, OptionalLong.of(100)), now)).as("P0 revoked").isEmpty();
        assertThat(floods.flooded()).isEqualTo(1);
        assertThat(floods.judge(Map.of(P0, OptionalLong.of(0), P1, OptionalLong.of(0)), now))
                .containsExactly(new FloodingHosts.CaughtUp(P1, LOOPER, 0));
    }

    /** {@code looping} records of {@link #LOOPER}, and {@code others} of as many other hosts, mixed. */
    private void deliverMixed(TopicPartition partition, int looping, int others) {
        for (int i = 0; i < Math.max(looping, others); i++) {
            if (i < looping) {
                floods.delivered(partition, LOOPER, WRITTEN_MS, now);
            }
            if (i < others) {
                floods.delivered(partition, new HostRef("web-" + i, "WEB:" + i), WRITTEN_MS, now);
            }
        }
    }
}
