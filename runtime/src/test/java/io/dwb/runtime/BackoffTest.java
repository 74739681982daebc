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
