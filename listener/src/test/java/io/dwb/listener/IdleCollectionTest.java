package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * When the listener collects its heap to give memory back: once quiet after its heap grew, never on a quiet
 * listener whose heap stayed as it was, and never in the middle of a burst (fake clock and heap).
 */
class IdleCollectionTest {
    private static final long S = 1_000_000_000L;
    private static final long MB = 1024 * 1024;
    private final AtomicLong heap = new AtomicLong(20 * MB);
    private final AtomicInteger collections = new AtomicInteger();
    private final IdleCollection idle = new IdleCollection(heap::get, () -> {
        collections.incrementAndGet();
        heap.set(8 * MB); // the collector shrinks the heap to what is live plus its free ratio
    }, Duration.ofSeconds(5), 100 * S);

    @Test
    void theStartsGarbageIsCollectedOnceTheListenerIsQuietAndNotAgainWhileItStaysQuiet() {
        idle.quiet(104 * S);
        assertThat(collections).as("quiet for 4 s only").hasValue(0);
        idle.quiet(105 * S);
        assertThat(collections).hasValue(1);
        for (long t = 106; t < 10_000; t += 1) {
            idle.quiet(t * S); // heartbeats every 30 s allocate a little, the heap stays at 8 MB
        }
        assertThat(collections).as("a quiet listener whose heap did not grow").hasValue(1);
    }

    @Test
    void aBurstThatGrewTheHeapIsCollectedFiveSecondsAfterItsLastEventNotDuringIt() {
        idle.quiet(105 * S);
        heap.set(64 * MB); // the flood grew the heap to its maximum
        for (long t = 200; t < 260; t++) {
            idle.active(t * S);
            idle.quiet(t * S + S / 2);
        }
        assertThat(collections).as("events keep coming").hasValue(1);
        idle.quiet(263 * S);
        assertThat(collections).hasValue(1);
        idle.quiet(264 * S);
        assertThat(collections).hasValue(2);
        assertThat(heap).hasValue(8 * MB);
    }

    @Test
    void theCollectionIsDueFiveSecondsAfterTheLastEventAndNothingIsDueOnceItRan() {
        assertThat(idle.nanosUntilDue(101 * S)).as("the start grew the heap").isEqualTo(4 * S);
        idle.quiet(105 * S);
        assertThat(idle.nanosUntilDue(106 * S)).as("collected, the heap did not grow").isEqualTo(Long.MAX_VALUE);
        heap.set(64 * MB);
        idle.active(200 * S);
        assertThat(idle.nanosUntilDue(202 * S)).isEqualTo(3 * S);
        assertThat(idle.nanosUntilDue(300 * S)).as("overdue: now").isZero();
    }
}
