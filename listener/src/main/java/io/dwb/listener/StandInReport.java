package io.dwb.listener;

import io.dwb.runtime.LogText;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what became of engine events the listener could not publish as the engine sent them: each is counted (the
 * caller's counter, a metric) and logged as a WARN line, at most one per reason per interval, so that a container
 * whose every event is refused cannot flood the log; the next line says how many were not logged. Each is used by
 * one thread: the reading thread's, and the publishing thread's own ({@link EventBound}: events read before the
 * topic's largest record was lowered).
 */
public final class StandInReport {
    private static final Logger log = LoggerFactory.getLogger(StandInReport.class);
    /** The most of each field quoted in a log line. */
    private static final int SHOWN_CHARS = 200;
    /** How often each reason is logged at most. */
    public static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private final Consumer<StandInReason> counter;
    private final LongSupplier nanoClock;
    private final long intervalNanos;
    private final Map<StandInReason, Long> lastLogged = new EnumMap<>(StandInReason.class);
    private final Map<StandInReason, Integer> notLogged = new EnumMap<>(StandInReason.class);

    /**
     * @param counter   told of every stand-in, e.g. a metric
     * @param nanoClock a monotonic clock ({@code System::nanoTime})
     */
    public StandInReport(Consumer<StandInReason> counter, LongSupplier nanoClock, Duration interval) {
        this.counter = counter;
        this.nanoClock = nanoClock;
        this.intervalNanos = interval.toNanos();
    }

    /** Counts nothing; logs as {@link #LOG_INTERVAL} allows (benchmarks, tests of the splitter). */
    public static StandInReport logOnly() {
        return new StandInReport(reason -> { }, System::nanoTime, LOG_INTERVAL);
    }

    /**
     * An event published as its stand-in.
     *
     * @param size   its length in bytes
     * @param detail why, in words (the parser's message, the limit)
     */
    public void standIn(StandInReason reason, EventIdentity identity, StandIn.Names names, long size,
                        String detail) {
        counter.accept(reason);
        if (due(reason)) {
            log.warn("the engine sent a {} {} event of {} bytes for {} (name {}, image {}, timeNano {}) that cannot "
                    + "be published as it is ({}: {}): publishing its identity, name and image only, marked "
                    + "truncated{}", shown(identity.type()), shown(identity.action()), size,
                    shown(identity.actorId()), shown(names.name()), shown(names.image()),
                    shown(identity.timeNanoText()), reason.code(), shown(detail), suppressed(reason));
        }
    }

    /** Whoever ran the container chose these (an exec's Action is its whole command line): a log line's worth. */
    private static String shown(String text) {
        return LogText.bounded(text, SHOWN_CHARS);
    }

    /** Bytes where an event belongs that do not start one: skipped. */
    public void skipped(long offset, String detail) {
        counter.accept(StandInReason.NOT_AN_EVENT);
        if (due(StandInReason.NOT_AN_EVENT)) {
            log.warn("the engine sent bytes that are not an event at offset {} of its stream ({}): skipped up to "
                    + "the end of their line{}", offset, detail, suppressed(StandInReason.NOT_AN_EVENT));
        }
    }

    private boolean due(StandInReason reason) {
        long now = nanoClock.getAsLong();
        Long last = lastLogged.get(reason);
        if (last != null && now - last < intervalNanos) {
            notLogged.merge(reason, 1, Integer::sum);
            return false;
        }
        lastLogged.put(reason, now);
        return true;
    }

    private String suppressed(StandInReason reason) {
        Integer n = notLogged.remove(reason);
        return n == null ? "" : " (" + n + " more of these since the last such line, not logged)";
    }
}
