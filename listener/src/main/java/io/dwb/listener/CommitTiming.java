package io.dwb.listener;

import java.time.Duration;

/**
 * When an open Kafka transaction may commit.
 *
 * @param interval {@code --transaction-interval}: while events keep coming, the longest they wait for a commit
 * @param linger   {@code --transaction-linger}: how long a transaction stays open after its first record for the
 *                 events that follow to join it (unless it is full or the listener stops); zero: it commits as soon
 *                 as the engine goes quiet
 */
public record CommitTiming(Duration interval, Duration linger) {
    /** The longest a transaction stays open before its commit: what its timeout must leave room for. */
    public Duration longestOpen() {
        return interval.compareTo(linger) >= 0 ? interval : linger;
    }
}
