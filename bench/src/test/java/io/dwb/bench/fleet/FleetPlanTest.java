package io.dwb.bench.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FleetPlanTest {
    private static final Duration I = Duration.ofSeconds(30);
    private final FleetPlan plan = FleetPlan.of(10_000, 20, I, I.multipliedBy(FleetPlan.LENGTH_INTERVALS), 0.01,
            0.09, 42);

    @Test
    void silentHostsAreSilentLongerThanTheThresholdAndClearOfTheKill() {
        long i = I.toNanos();
        assertThat(plan.silentHostIds()).hasSize(20);
        plan.hosts().stream().filter(h -> h.silence() != null).forEach(h -> {
            FleetPlan.Window s = h.silence();
            assertThat(s.toNanos() - s.fromNanos()).isGreaterThan(3 * i); // the forwarder's three intervals
            // alert due 3 I after the last heartbeat, back by the next heartbeat after the silence: no overlap
            // with the kill, and back before the events end
            assertThat(s.toNanos() + i < plan.killAtNanos() || s.fromNanos() > plan.killAtNanos() + i).isTrue();
            assertThat(s.toNanos() + i).isLessThanOrEqualTo(plan.eventsNanos());
        });
    }

    @Test
    void pausingHostsSkipExactlyOneHeartbeat() {
        long i = I.toNanos();
        plan.hosts().stream().filter(h -> h.pause() != null).forEach(h -> {
            long skipped = 0;
            for (long t = h.phaseNanos(); t < plan.eventsNanos(); t += i) {
                if (!h.heartbeatAt(t)) {
                    skipped++;
                }
            }
            assertThat(skipped).isEqualTo(1);
        });
        assertThat(plan.hosts().stream().filter(h -> h.pause() != null)).hasSize(20);
    }

    @Test
    void mostHostsAreIdleAFewBusyAndRolesDoNotOverlap() {
        long busy = plan.hosts().stream().filter(h -> h.activity() == FleetPlan.Activity.BUSY).count();
        long idle = plan.hosts().stream().filter(h -> h.activity() == FleetPlan.Activity.IDLE).count();
        assertThat(busy).isBetween(50L, 150L);
        assertThat(idle).isGreaterThan(8_500);
        assertThat(plan.hosts()).allMatch(h -> (h.silence() != null ? 1 : 0) + (h.pause() != null ? 1 : 0)
                + (h.gapAtNanos() >= 0 ? 1 : 0) <= 1);
        assertThat(plan.hosts().stream().map(h -> h.identity().id()).distinct()).hasSize(10_000);
    }
}
