package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.EventIdentity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The queue's byte bound covers the events kept until Kafka commits them, not only those queued. */
class EventQueueTest {

    @Test
    void eventsKeptForKafkaCountAgainstTheBoundUntilReleased() throws InterruptedException {
        EventQueue queue = new EventQueue(100, 250);
        assertThat(queue.offer(event(100))).isTrue();
        assertThat(queue.offer(event(100))).isTrue();
        List<CapturedEvent> taken = new ArrayList<>();
        queue.drainTo(taken, 10, 0);
        queue.hold(200); // sent in the open transaction, or kept after it failed
        queue.release(taken);

        assertThat(queue.offer(event(100))).as("kept events still fill the bound").isFalse();
        assertThat(queue.bytes()).isEqualTo(200);

        queue.release(200); // committed
        assertThat(queue.offer(event(100))).isTrue();
        assertThat(queue.bytes()).isEqualTo(100);
    }

    private static CapturedEvent event(int size) {
        EventIdentity identity = new EventIdentity("1", 1L, "volume", "create", "v");
        return new CapturedEvent("x".repeat(size).getBytes(StandardCharsets.UTF_8), identity, "id");
    }
}
