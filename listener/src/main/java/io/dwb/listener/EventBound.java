package io.dwb.listener;

import java.nio.charset.StandardCharsets;
import java.util.function.LongSupplier;

/**
 * An event's record value within the events topic's largest record as last read ({@link EventsTopicLimits}). The
 * {@link EventSplitter} makes a stand-in of a longer event as it reads it, by the bound of that moment; an event
 * read before the topic's {@code max.message.bytes} was lowered (held across the refusal, still queued, or read by
 * the subscription that went on meanwhile) becomes, when it is sent, the stand-in the splitter would make of it now:
 * sent as it was, the broker would refuse it, and the transaction with it, at every retry. Publishing thread only.
 */
final class EventBound {
    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);

    private final String hostId;
    private final StandInReport report;
    private final LongSupplier nanoClock;
    /** Longer events become stand-ins; unbounded until the topic's bound is given. */
    private int maxEventBytes = Integer.MAX_VALUE;

    /**
     * @param hostId    the engine's host id, for the stand-in's event id (the same as the event's)
     * @param report    told of each stand-in made here (the publishing thread's own: a report is one thread's)
     * @param nanoClock monotonic nanoseconds, for the report's rate
     */
    EventBound(String hostId, StandInReport report, LongSupplier nanoClock) {
        this.hostId = hostId;
        this.report = report;
        this.nanoClock = nanoClock;
    }

    void maxEventBytes(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    int maxEventBytes() {
        return maxEventBytes;
    }

    /** {@code json} itself when it is within the bound, else its stand-in. */
    byte[] value(byte[] json) {
        if (json.length <= maxEventBytes) {
            return json;
        }
        EventSplitter splitter = new EventSplitter(hostId, maxEventBytes, report, nanoClock);
        CapturedEvent[] made = new CapturedEvent[1];
        splitter.feed(json, json.length, e -> made[0] = e);
        if (made[0] == null) {
            splitter.feed(NEWLINE, NEWLINE.length, e -> made[0] = e); // an event the splitter ended at its line
        }
        return made[0] == null ? json : made[0].json();
    }
}
