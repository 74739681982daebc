package io.dwb.listener;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded hand-over between the reading thread and the publishing thread, bounded by events and by bytes: an
 * event's bytes count from {@link #offer} until Kafka committed it (the publisher {@link #hold}s what it sends and
 * {@link #release}s it after the commit, or after a Kafka failure once it is dropped; it releases at once what it
 * skips), so the events in the queue and those kept for the open transaction, or for a retry after it failed
 * ({@link Uncommitted}), are within the bound together. {@link #offer} never blocks: the engine drops events of a
 * subscriber that is slow for 100 ms, so the reader must never wait here.
 */
public final class EventQueue implements TransactionPump.EventSource {
    /**
     * 16 MiB: with the producer's 8 MB buffer and one event being read (up to 1 MiB, its parser's buffers about as
     * much again) it leaves room in bin/listener's 64 MB heap.
     */
    public static final long DEFAULT_BYTES = 16L * 1024 * 1024;
    /** Put in the queue by {@link #wake}, taken out by the drain: no event, no bytes. */
    private static final CapturedEvent WAKE = new CapturedEvent(new byte[0], null, null, 0);

    private final ArrayBlockingQueue<CapturedEvent> events;
    private final int capacity;
    private final long capacityBytes;
    /** Bytes offered and not yet released; only the reading thread adds, so check-then-add is safe. */
    private final AtomicLong bytes = new AtomicLong();
    /** A {@link #WAKE} is in the queue (or about to be): at most one at a time. */
    private final AtomicBoolean wakeQueued = new AtomicBoolean();

    public EventQueue(int capacity, long capacityBytes) {
        this.capacity = capacity;
        this.capacityBytes = capacityBytes;
        this.events = new ArrayBlockingQueue<>(capacity);
    }

    /**
     * False when full, by count or by bytes (an event larger than the bound goes in alone). A queued event counts
     * its {@link CapturedEvent#bytes}, identity included; once the publisher made its record, what it holds counts
     * the JSON alone ({@link #hold}): the record keeps no identity.
     */
    public boolean offer(CapturedEvent event) {
        long size = event.bytes();
        long held = bytes.get();
        if (held > 0 && held + size > capacityBytes) {
            return false;
        }
        if (!events.offer(event)) {
            return false;
        }
        bytes.addAndGet(size);
        return true;
    }

    /** The publisher is done with these events (sent to the producer, or skipped): their bytes no longer count. */
    @Override
    public void release(List<CapturedEvent> taken) {
        long size = 0;
        for (CapturedEvent e : taken) {
            size += e.bytes();
        }
        bytes.addAndGet(-size);
    }

    /** Events kept until Kafka commits them ({@link Uncommitted}): their bytes count again, until released. */
    @Override
    public void hold(long size) {
        bytes.addAndGet(size);
    }

    /** Kept events were committed or dropped: their bytes no longer count. */
    @Override
    public void release(long size) {
        bytes.addAndGet(-size);
    }

    /**
     * Moves up to {@code max} events into {@code into}, waiting up to {@code waitMillis} for the first one, or until
     * {@link #wake}.
     */
    @Override
    public int drainTo(List<CapturedEvent> into, int max, long waitMillis) throws InterruptedException {
        int from = into.size();
        int n = events.drainTo(into, max);
        if (n == 0 && waitMillis > 0) {
            CapturedEvent first = events.poll(waitMillis, TimeUnit.MILLISECONDS);
            if (first != null) {
                into.add(first);
                n = 1 + events.drainTo(into, max - 1);
            }
        }
        if (wakeQueued.get() && into.subList(from, from + n).removeIf(e -> e == WAKE)) {
            wakeQueued.set(false);
            n--;
        }
        return n;
    }

    /**
     * Makes the publishing thread's drain return now, event or not (a stop was requested, the stream ended), so an
     * idle listener need not wake up to look. Never blocks; a full queue needs no wake-up.
     */
    public void wake() {
        if (wakeQueued.compareAndSet(false, true) && !events.offer(WAKE)) {
            wakeQueued.set(false);
        }
    }

    @Override
    public boolean isEmpty() {
        CapturedEvent head = events.peek();
        return head == null || head == WAKE && events.size() == 1;
    }

    /** Events queued: a wake-up is none (logs report this count as events). */
    public int size() {
        int n = events.size();
        return wakeQueued.get() && events.contains(WAKE) ? n - 1 : n;
    }

    /** Bytes of the events queued or taken and not yet released. */
    public long bytes() {
        return bytes.get();
    }

    public int capacity() {
        return capacity;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

}
