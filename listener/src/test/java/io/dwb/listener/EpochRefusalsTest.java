package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A second refusal within the window is another listener; a first one, or one long after, is not. */
class EpochRefusalsTest {
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @Test
    void aSecondRefusalWithinTheWindowIsAnotherListener() {
        EpochRefusals refusals = new EpochRefusals(Duration.ofSeconds(30));
        assertThat(refusals.again(10 * MINUTE)).as("a first refusal").isFalse();
        assertThat(refusals.again(14 * MINUTE)).as("4 minutes later").isTrue();
    }

    @Test
    void refusalsFarApartAreEachAFirstOne() {
        EpochRefusals refusals = new EpochRefusals(Duration.ofSeconds(30));
        assertThat(refusals.again(0)).isFalse();
        assertThat(refusals.again(6 * MINUTE)).as("6 minutes later").isFalse();
        assertThat(refusals.again(12 * MINUTE + 1)).as("6 minutes after that").isFalse();
    }

    @Test
    void theWindowCoversFourHeartbeatIntervals() {
        EpochRefusals refusals = new EpochRefusals(Duration.ofMinutes(2));
        assertThat(refusals.again(0)).isFalse();
        assertThat(refusals.again(7 * MINUTE)).as("within 8 minutes: each listener commits at least every 2")
                .isTrue();
    }
}
