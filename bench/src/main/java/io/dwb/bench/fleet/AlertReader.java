package io.dwb.bench.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.bench.DatagramCounter;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventId;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Reads each datagram one receiver gets (the Wazuh queue's {@code 1:Wazuh-Docker:} and one JSON object) into the
 * ledger: engine events by their event id (recomputed from the alert's event and host id, as the forwarder's
 * duplicate window does), gaps and state parts by their own fields, silent-host and host-back alerts by host.
 */
public final class AlertReader implements DatagramCounter.Observer {
    private final int receiver;
    private final FleetLedger ledger;

    public AlertReader(int receiver, FleetLedger ledger) {
        this.receiver = receiver;
        this.ledger = ledger;
    }

    @Override
    public void datagram(ByteBuffer datagram, long arrivalEpochNanos) {
        long now = System.nanoTime();
        byte[] bytes = new byte[datagram.remaining()];
        datagram.duplicate().get(bytes);
        int start = 0;
        while (start < bytes.length && bytes[start] != '{') {
            start++;
        }
        JsonNode alert;
        try {
            alert = ContractJson.tree(java.util.Arrays.copyOfRange(bytes, start, bytes.length));
        } catch (IOException e) {
            ledger.other("unreadable datagram: " + e.getMessage());
            return;
        }
        String hostId = alert.path("docker_host").path("id").asText("");
        if (alert.has("docker")) {
            ledger.arrived(AlertKeys.event(EventId.of(hostId, alert.get("docker"))), receiver, now);
            return;
        }
        JsonNode bridge = alert.path("docker_bridge");
        String event = bridge.path("event").asText("");
        switch (event) {
            case "gap" -> ledger.arrived(AlertKeys.gap(hostId, bridge.path("toNano").asLong()), receiver, now);
            case "state" -> ledger.arrived(AlertKeys.state(bridge.path("snapshotId").asText(),
                    bridge.path("part").asInt(1)), receiver, now);
            case FleetLedger.SILENT, FleetLedger.BACK ->
                    ledger.hostAlert(new FleetLedger.HostAlert(hostId, event, receiver, now));
            default -> ledger.other(event.isEmpty() ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                    : event + " " + bridge);
        }
    }
}
