package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.EventIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The queue's byte bound covers the events kept until Kafka commits them, not only those queued; a wake-up ends the
 * publishing thread's wait without being an event.
 */
class EventQueueTest {

    @Test
    void eventsKeptForKafkaCountAgainstTheBoundUntilReleased() throws InterruptedException {
        long each = event(100).bytes();
        EventQueue queue = new EventQueue(100, 2 * each + 50);
        assertThat(queue.offer(event(100))).isTrue();
        assertThat(queue.offer(event(100))).isTrue();
        List<CapturedEvent> taken = new ArrayList<>();
        queue.drainTo(taken, 10, 0);
        queue.hold(200); // their records (JSON, no identity), sent in the open transaction, or kept after it failed
        queue.release(taken);

        assertThat(queue.offer(event(100))).as("kept events still fill the bound").isFalse();
        assertThat(queue.bytes()).isEqualTo(200);

        queue.release(200); // committed
        assertThat(queue.offer(event(100))).isTrue();
        assertThat(queue.bytes()).isEqualTo(each);
    }

    /**
     * A queued event holds its identity beside its JSON, and the bound counts both: a command line of a million
     * characters in an exec's Action, kept whole, was 2 MB of heap the bound did not see. It keeps the start.
     */
    @Test
    void aQueuedEventCountsTheIdentityItKeepsAsWellAsItsJson() throws InterruptedException {
        String command = "exec_create: sh " + "\u20ac".repeat(1_000_000);
        EventIdentity identity = new EventIdentity("1790000010000000007", 1_790_000_010_000_000_007L, "container",
                command, "c1");
        CapturedEvent standIn = new CapturedEvent(new byte[6_000], identity, identity.id("host-1"), 0);
        EventQueue queue = new EventQueue(100, 1L << 20);

        assertThat(queue.offer(standIn)).isTrue();
        long identityChars = 19 + "container".length() + CapturedEvent.IDENTITY_CHARS + "c1".length();
        assertThat(queue.bytes()).as("its JSON, and its identity at two bytes a character")
                .isEqualTo(6_000 + 2 * identityChars);
        assertThat(standIn.identity().action()).isEqualTo(command.substring(0, CapturedEvent.IDENTITY_CHARS));
        assertThat(standIn.identity().timeNano()).isEqualTo(1_790_000_010_000_000_007L);
        List<CapturedEvent> taken = new ArrayList<>();
        queue.drainTo(taken, 10, 0);
        queue.release(taken);
        assertThat(queue.bytes()).isZero();
    }

    @Test
    void aWakeEndsAWaitingDrainWithNoEventAndIsNeverTakenForOne() throws Exception {
        EventQueue queue = new EventQueue(100, 1_000);
        List<CapturedEvent> taken = new ArrayList<>();
        CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return queue.drainTo(taken, 10, Duration.ofHours(1).toMillis());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        queue.wake(); // a stop, or the end of the stream

        assertThat(waiting.get(10, TimeUnit.SECONDS)).as("woken, no event").isZero();
        assertThat(taken).isEmpty();
        assertThat(queue.isEmpty()).isTrue();

        queue.offer(event(100));
        queue.wake();
        queue.wake(); // at most one wake-up is queued
        queue.offer(event(200));
        assertThat(queue.isEmpty()).isFalse();
        assertThat(queue.size()).as("the events a log line reports: the wake-up is none").isEqualTo(2);
        assertThat(queue.drainTo(taken, 10, 0)).isEqualTo(2);
        assertThat(taken).extracting(e -> e.json().length).containsExactly(100, 200);
        assertThat(queue.isEmpty()).isTrue();
        queue.release(taken);
        assertThat(queue.bytes()).isZero();

        queue.wake();
        assertThat(queue.isEmpty()).as("a wake-up alone is no event").isTrue();
        assertThat(queue.size()).isZero();
        assertThat(queue.drainTo(taken, 10, 0)).isZero();
        assertThat(queue.drainTo(taken, 10, 1)).as("taken by the drain before").isZero();
    }

    private static CapturedEvent event(int size) {
        EventIdentity identity = new EventIdentity("1", 1L, "volume", "create", "v");
        return new CapturedEvent("x".repeat(size).getBytes(StandardCharsets.UTF_8), identity, "id", 0);
    }
}
