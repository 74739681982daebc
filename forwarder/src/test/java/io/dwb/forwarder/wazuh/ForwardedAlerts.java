package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.AlertFormatter;
import io.dwb.forwarder.AlertTrimmer;
import io.dwb.forwarder.BridgeAlert;
import io.dwb.forwarder.Classified;
import io.dwb.forwarder.EventFields;
import io.dwb.forwarder.HostRef;
import io.dwb.forwarder.LegacyFields;
import io.dwb.forwarder.LegacyFieldsMode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.testing.AlertJson;
import java.io.IOException;

/** The alert JSON the forwarder sends, made by its own classes (formatter, legacy-field shim, trimmer). */
public final class ForwardedAlerts {
    private final AlertFormatter formatter = new AlertFormatter();
    private final AlertTrimmer trimmer = new AlertTrimmer(formatter);

    /** The alert for an engine event of {@code host}, with the legacy fields this mode adds. */
    public ObjectNode event(ObjectNode engineEvent, HostRef host, LegacyFieldsMode mode) {
        byte[] value = ContractJson.write(engineEvent);
        EventFields fields;
        try {
            fields = EventFields.read(value);
        } catch (IOException | EventFields.NotAnObject e) {
            throw new IllegalArgumentException("not an engine event: " + engineEvent, e);
        }
        byte[] datagram = trimmer.datagram(new Classified.Event(value, fields, host, "id"),
                        new LegacyFields(mode).missing(fields), false)
                .fitted().datagram();
        return AlertJson.ofDatagram(datagram);
    }

    /** One of the bridge's own alerts ({@code docker_bridge.event} = {@code event}). */
    public ObjectNode bridge(BridgeAlert event, ObjectNode fields, HostRef host) {
        return AlertJson.ofDatagram(formatter.bridge(event, fields, host, false, false));
    }
}
