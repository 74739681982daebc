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
    /** The most names remembered as said: whoever writes the events topic may make a new one each record. */
    static final int MAX_SAID = 64;

    private final ForwarderMetrics metrics;
    private final Set<String> said = new HashSet<>();

    NewerListenerReport(ForwarderMetrics metrics) {
        this.metrics = metrics;
    }

    void read(Classified.Bridge record) {
        NewerParts newer = record.newer();
        if (!newer.any()) {
            return;
        }
        String kind = record.kind().header();
        metrics.newer(kind);
        for (String field : newer.someFields()) {
            if (firstTime(kind + " field " + field)) {
                log.info("{} records carry field '{}', which this forwarder does not know (host {}: a listener newer "
                        + "than this forwarder): left out of their alerts until the forwarders are upgraded", kind,
                        field, record.host().label());
            }
        }
        if (newer.reason() != null && firstTime("gap reason " + newer.reason())) {
            log.warn("a gap of host {} has reason '{}', which this forwarder does not know (a listener newer than "
                    + "it): delivered as a gap with that reason; upgrade the forwarders for its description",
                    record.host().label(), newer.reason()); // a code: GapReason.CODE_PATTERN
        }
    }

    private boolean firstTime(String what) {
        if (said.contains(what)) {
            return false;
        }
        if (said.size() >= MAX_SAID) {
            if (said.add("")) {
                log.info("more fields or gap reasons this forwarder does not know: counted in "
                        + "dwb_forwarder_records_newer_total, no longer said one by one");
            }
            return false;
        }
        return said.add(what);
    }
}
