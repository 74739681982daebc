package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When heartbeats are due: once per interval, each listener at its own phase, an outage or not. */
class HeartbeatClockTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final long S = 1_000_000_000L;

    /** The first time at or after {@code from} (seconds, in steps of 100 ms) when {@code clock} says one is due. */
    private static long nextBeat(HeartbeatClock clock, long fromSeconds) {
        for (long tenths = fromSeconds * 10; ; tenths++) {
            if (clock.due(tenths * S / 10)) {
                return tenths / 10;
            }
        }
    }

    @Test
    void twoListenersThatStartedApartStayApartAfterAnOutageBothWaitedOut() {
        HeartbeatClock early = HeartbeatClock.startingNow(INTERVAL, 0, () -> 0L, 1.0);
        HeartbeatClock late = HeartbeatClock.startingNow(INTERVAL, 10 * S, () -> 0L, 1.0);
        assertThat(nextBeat(early, 0)).isZero();
        assertThat(nextBeat(late, 10)).isEqualTo(10);
        assertThat(nextBeat(early, 1)).isEqualTo(30);
        assertThat(nextBeat(late, 11)).isEqualTo(40);

        // Kafka away from 41 s to 100 s: both send their overdue heartbeat as it comes back, at once.
        assertThat(early.due(100 * S)).isTrue();
        assertThat(late.due(100 * S)).isTrue();

        // Then each at its own phase again (120 and 130 s), not both at 130 s, 160 s, ... from then on.
        assertThat(nextBeat(early, 101)).isEqualTo(120);
        assertThat(nextBeat(late, 101)).isEqualTo(130);
        assertThat(nextBeat(early, 121)).isEqualTo(150);
        assertThat(nextBeat(late, 131)).isEqualTo(160);
    }

    @Test
    void listenersStartedTogetherHeartbeatApartFromTheirSecondHeartbeatOn() {
        HeartbeatClock one = HeartbeatClock.startingNow(INTERVAL, 0, () -> 0L, 0.1);
        HeartbeatClock other = HeartbeatClock.startingNow(INTERVAL, 0, () -> 0L, 0.7);
        assertThat(one.due(0)).isTrue();
        assertThat(other.due(0)).isTrue();
        assertThat(nextBeat(one, 1)).as("a tenth of an interval").isEqualTo(3);
        assertThat(nextBeat(other, 1)).isEqualTo(21);
        assertThat(nextBeat(one, 4)).isEqualTo(33);
        assertThat(nextBeat(other, 22)).isEqualTo(51);
    }

    /** The alert rules and the forwarders bound the time between two heartbeats by the interval. */
    @Test
    void theHeartbeatAfterAnOverdueOneComesWhenItsPhaseSaysWithinAnInterval() {
        HeartbeatClock clock = HeartbeatClock.startingNow(INTERVAL, 0, () -> 0L, 1.0);
        assertThat(clock.due(0)).isTrue();
        assertThat(clock.due(59 * S)).as("due at 30 s, sent at 59 s").isTrue();
        assertThat(nextBeat(clock, 59)).as("its phase: 60 s").isEqualTo(60);
        assertThat(clock.due(75 * S)).as("not at 75 s: its phase says 90 s").isFalse();
        assertThat(clock.due(95 * S)).as("sent at 95 s, 5 s late").isTrue();
        assertThat(clock.nanosUntilDue(95 * S)).isEqualTo(25 * S);
    }

    @Test
    void aHeartbeatSentLateByMomentsDoesNotMoveTheNext() {
        HeartbeatClock clock = HeartbeatClock.startingNow(INTERVAL, 0, () -> 0L, 1.0);
        assertThat(clock.due(0)).isTrue();
        assertThat(clock.due(30 * S + 400_000_000L)).as("a busy round: 0.4 s late").isTrue();
        assertThat(clock.nanosUntilDue(30 * S + 400_000_000L)).isEqualTo(29 * S + 600_000_000L);
    }
}
