package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void doublesUpToTheCapAndStartsOverAfterASuccess() {
        Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(4));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(5));
        backoff.reset();
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
    }

    /**
     * Spread, each wait is up to a quarter longer, never shorter: a fleet's listeners failing together (their Kafka
     * cluster away) came back as one herd at each doubling, every one at 1, 3, 7, 15 s after the failure.
     */
    @Test
    void spreadWaitsAreUpToAQuarterLongerAndDifferFromOneProcessToTheNext() {
        double[] draws = {0.0, 0.5, 0.999};
        int[] i = {0};
        Backoff spread = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).spread(() -> draws[i[0]++ % 3]);
        assertThat(spread.next()).isEqualTo(Duration.ofSeconds(1));
        assertThat(spread.next()).isEqualTo(Duration.ofMillis(2_250));
        assertThat(spread.next()).isBetween(Duration.ofMillis(4_990), Duration.ofSeconds(5));

        java.util.Set<Duration> firstWaits = new java.util.HashSet<>();
        java.util.Random random = new java.util.Random(7);
        for (int process = 0; process < 100; process++) {
            Duration wait = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30)).spread(random::nextDouble)
                    .next();
            assertThat(wait).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1_250));
            firstWaits.add(wait);
        }
        assertThat(firstWaits).as("a hundred processes, as many waits").hasSize(100);
    }

    @Test
    void aFixedWaitWhenInitialEqualsMax() {
        Backoff backoff = new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10));
        assertThat(backoff.next()).isEqualTo(Duration.ofMinutes(10));
        assertThat(backoff.next()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void anInitialAboveTheCapWaitsTheCap() {
        // the forwarder's retries start at 100 ms; a cap below that still bounds the wait
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(50));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(50));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(50));
    }
}
