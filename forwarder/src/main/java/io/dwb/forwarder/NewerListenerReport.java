package io.dwb.forwarder;

import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what listeners newer than this forwarder write that it does not know ({@link NewerParts}): one line the first
 * time each field of a kind, or each gap reason, is met, and a count of such records by kind. A fleet upgrades one
 * host at a time, so this is expected until the forwarders are upgraded, and says what they leave out meanwhile.
 * Delivery loop thread only.
 */
final class NewerListenerReport {
    private static final Logger log = LoggerFactory.getLogger(NewerListenerReport.class);
    /**
     * The most fields, and apart from them the most gap reasons, said one by one: whoever may write the events topic
     * may make a new name each record, and forged ones must not use up the lines a real newer listener's would get.
     */
    static final int MAX_SAID = 64;

    private final ForwarderMetrics metrics;
    private final Said fields = new Said("fields");
    private final Said reasons = new Said("gap reasons");

    NewerListenerReport(ForwarderMetrics metrics) {
        this.metrics = metrics;
    }

    void read(Classified.Bridge record) {
        NewerParts newer = record.newer();
        if (!newer.any()) {
            return;
        }
        String kind = record.kind().header();
        metrics.newer(record.kind());
        for (String field : newer.someFields()) {
            if (fields.firstTime(kind + " " + field)) {
                log.info("{} records carry field '{}', which this forwarder does not know (host {}: a listener newer "
                        + "than this forwarder): left out of their alerts until the forwarders are upgraded", kind,
                        field, record.host().label());
            }
        }
        if (newer.reason() != null && reasons.firstTime(newer.reason())) {
            log.warn("a gap of host {} has reason '{}', which this forwarder does not know (a listener newer than "
                    + "it): delivered as a gap with that reason; upgrade the forwarders to know it",
                    record.host().label(), newer.reason()); // a code: GapReason.CODE_PATTERN
        }
    }

    /** Names said so far, {@link #MAX_SAID} at most. */
    private static final class Said {
        private final String what;
        private final Set<String> names = new HashSet<>();
        private boolean full;

        Said(String what) {
            this.what = what;
        }

        boolean firstTime(String name) {
            if (names.contains(name)) {
                return false;
            }
            if (names.size() < MAX_SAID) {
                return names.add(name);
            }
            if (!full) {
                full = true;
                log.info("more {} this forwarder does not know than the {} said: counted in "
                        + "dwb_forwarder_records_newer_total, no longer said one by one", what, MAX_SAID);
            }
            return false;
        }
    }
}
