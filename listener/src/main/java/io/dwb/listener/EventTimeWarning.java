package io.dwb.listener;

import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EpochNanos;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when the engine dates its events outside the 2000-2100 every time of the contract lies in: a host that booted
 * without a clock (no RTC, before NTP set it) dates them in 1970. Such an event is published as the engine sent it,
 * and a forwarder dead-letters it ({@code out-of-range}); no heartbeat or gap carries its time. A line when it begins,
 * and one when an event in range ends it, not one per event (again after a new producer: its pump has its own).
 */
final class EventTimeWarning {
    private static final Logger log = LoggerFactory.getLogger(EventTimeWarning.class);
    private boolean outside;

    void published(CapturedEvent event) {
        Long timeNano = event.identity().timeNano();
        if (timeNano == null) {
            return;
        }
        boolean out = !EpochNanos.inRange(timeNano);
        if (out && !outside) {
            log.warn("the engine dates its events outside 2000-2100 ({} for event {}): is the host's clock set? "
                    + "Forwarders dead-letter such events (out-of-range) instead of alerting them; heartbeats leave "
                    + "their time out and gaps start from 2000", ContractJson.rfc3339(timeNano), event.id());
        } else if (!out && outside) {
            log.info("the engine dates its events within 2000-2100 again ({})", ContractJson.rfc3339(timeNano));
        }
        outside = out;
    }
}
