package io.dwb.listener;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The bounded hand-over between the reading thread and the publishing thread. {@link #offer} never blocks: the
 * engine drops events of a subscriber that is slow for 100 ms, so the reader must never wait here.
 */
public final class EventQueue {
    private final ArrayBlockingQueue<CapturedEvent> events;
    private final int capacity;

    public EventQueue(int capacity) {
        this.capacity = capacity;
        this.events = new ArrayBlockingQueue<>(capacity);
    }

    /** False when full. */
    public boolean offer(CapturedEvent event) {
        return events.offer(event);
    }

    /** Moves up to {@code max} events into {@code into}, waiting up to {@code waitMillis} for the first one. */
    public int drainTo(List<CapturedEvent> into, int max, long waitMillis) throws InterruptedException {
        int n = events.drainTo(into, max);
        if (n > 0 || waitMillis <= 0) {
            return n;
        }
        CapturedEvent first = events.poll(waitMillis, TimeUnit.MILLISECONDS);
        if (first == null) {
            return 0;
        }
        into.add(first);
        return 1 + events.drainTo(into, max - 1);
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    public int size() {
        return events.size();
    }

    public int capacity() {
        return capacity;
    }

    /** Drops everything: after a Kafka failure the engine replays from the checkpoint instead. */
    public void clear() {
        events.clear();
    }
}
