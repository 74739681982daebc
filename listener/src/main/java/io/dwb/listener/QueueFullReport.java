package io.dwb.listener;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Says a full queue at WARN once every {@link #REMINDER} at most: a host whose events outpace Kafka (a container of
 * megabyte labels, a slow or throttled cluster) fills the queue, disconnects, resumes from the checkpoint at once and
 * fills it again, four lines a cycle and thousands of cycles an hour. The others are DEBUG, counted in the next WARN;
 * so are the lines of the reconnection that follows a full queue said at DEBUG ({@link #reconnectionLevel()}). A gap,
 * when the engine no longer has what the listener dropped, is said each time all the same (by the publisher).
 * Used by the reading thread (the queue found full) and the capture loop's (the reconnection).
 */
final class QueueFullReport {
    /** How long a queue that keeps filling goes unsaid at most. */
    static final Duration REMINDER = Duration.ofMinutes(10);

    /** What follows the queue's size and contents in either line. */
    private static final String DISCONNECTING = " (Kafka too slow): disconnecting from the engine, will resume from "
            + "the checkpoint";

    private final Logger log;
    private final LongSupplier nanoClock;
    private boolean said;
    /** nanoClock when the queue was last said full at WARN. */
    private long saidNanos;
    /** Full queues said at DEBUG since that WARN. */
    private int unsaid;
    /** The last full queue was said at DEBUG. */
    private boolean lastUnsaid;

    /**
     * @param log       the logger the lines are said with (the event stream's)
     * @param nanoClock monotonic nanoseconds (System::nanoTime)
     */
    QueueFullReport(Logger log, LongSupplier nanoClock) {
        this.log = log;
        this.nanoClock = nanoClock;
    }

    /** The queue is full ({@code detail}, its size and what it holds): the listener disconnects from the engine. */
    synchronized void full(String detail) {
        long now = nanoClock.getAsLong();
        if (said && now - saidNanos < REMINDER.toNanos()) {
            unsaid++;
            lastUnsaid = true;
            log.debug("{}{}", detail, DISCONNECTING);
            return;
        }
        String before = unsaid == 0 ? "" : " (full " + unsaid + " more times in the " + minutes(now - saidNanos)
                + " min since it was last said, each time disconnected and resumed from the checkpoint)";
        log.warn("{}{}, at DEBUG for {} min while it fills again{}", detail, DISCONNECTING, REMINDER.toMinutes(),
                before);
        said = true;
        saidNanos = now;
        unsaid = 0;
        lastUnsaid = false;
    }

    /**
     * The level of the lines that end the subscription a full queue ended and begin the next one: DEBUG when that full
     * queue was said at DEBUG, else INFO.
     */
    synchronized Level reconnectionLevel() {
        return lastUnsaid ? Level.DEBUG : Level.INFO;
    }

    private static long minutes(long nanos) {
        return Duration.ofNanos(nanos).toMinutes();
    }
}
