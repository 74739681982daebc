package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.forwarder.BridgeAlert;
import io.dwb.forwarder.HostRef;
import io.dwb.forwarder.LegacyFieldsMode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.Gap;
import io.dwb.schemas.Heartbeat;
import java.util.List;
import java.util.function.Function;

/** The bridge's own alerts, one of each {@link BridgeAlert}, as the forwarder's formatter and trimmer make them. */
public final class BridgeAlerts {
    static final HostRef HOST = new HostRef("web-1", "7TRN:ENGINE:ID");

    /** A row: what happened, and its alert under a legacy-fields mode. */
    public record Kind(String label, String event, Function<LegacyFieldsMode, ObjectNode> alert) {}

    private BridgeAlerts() {}

    public static List<Kind> kinds(ForwardedAlerts alerts) {
        Gap gap = new Gap("2026-11-27T03:00:00Z", "2026-11-27T03:05:00Z", 1_795_748_400_000_000_000L,
                1_795_748_700_000_000_000L, "engine-restarted", "the engine restarted", null);
        ObjectNode state = ContractJson.MAPPER.createObjectNode().put("time", "2026-11-27T03:05:01Z")
                .put("timeNano", 1_795_748_701_000_000_000L).put("snapshotId", "s1").put("part", 1).put("parts", 1);
        state.putArray("containers").addObject().put("Id", "c0ffee").put("State", "running");
        Heartbeat heartbeat = new Heartbeat("2026-11-27T03:00:30Z", 1_795_748_430_000_000_000L, 30, true,
                1_795_748_429_000_000_000L);
        ObjectNode silent = ContractJson.MAPPER.createObjectNode().put("intervalSeconds", 30)
                .put("silentSeconds", 95).put("lastHeartbeat", "2026-11-27T03:00:00Z")
                .put("lastHeartbeatNano", 1_795_748_400_000_000_000L);
        ObjectNode stopped = silent.deepCopy().put("silentSeconds", 92);
        ObjectNode back = ContractJson.MAPPER.createObjectNode().put("silentSeconds", 600)
                .put("lastHeartbeat", "2026-11-27T03:00:00Z").put("lastHeartbeatNano", 1_795_748_400_000_000_000L)
                .put("heartbeat", "2026-11-27T03:10:00Z").put("heartbeatNano", 1_795_749_000_000_000_000L);
        ObjectNode skipped = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 2)
                .put("fromOffset", 0).put("toOffset", 10).put("records", 10).put("from", "2026-11-20T00:00:00Z")
                .put("to", "2026-11-27T02:00:00Z");
        ObjectNode deleted = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 2)
                .put("fromOffset", 0).put("toOffset", 10).put("records", 10);
        ObjectNode stalled = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 3)
                .put("stableOffset", 41).put("records", 7).put("stalledSeconds", 150);
        ObjectNode moving = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 3)
                .put("stableOffset", 41).put("nowStableOffset", 48).put("stalledSeconds", 200);
        ObjectNode unwritable = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events")
                .put("partition", 3).put("inSyncReplicas", 1).put("inSyncReplicasNotAnswering", 0)
                .put("minInSyncReplicas", 2);
        ObjectNode writable = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 3)
                .put("inSyncReplicas", 3).put("minInSyncReplicas", 2).put("unwritableSeconds", 45);
        ObjectNode flooding = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 5)
                .put("records", 2_870).put("ofRecords", 3_010).put("windowSeconds", 10).put("waiting", 412_000);
        ObjectNode caughtUp = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events").put("partition", 5)
                .put("floodSeconds", 1_260);
        ObjectNode deadLettered = ContractJson.MAPPER.createObjectNode().put("topic", "docker-events")
                .put("partition", 4).put("offset", 1_207).put("records", 3).put("reason", "not-json")
                .put("stage", "classify").put("recordKind", "event").put("dlqTopic", "docker-events-dlq");
        ObjectNode gapDeadLettered = deadLettered.deepCopy().put("records", 1).put("reason", "newer-contract")
                .put("recordKind", "gap");
        return List.of(
                bridge(alerts, "gap", BridgeAlert.GAP, tree(gap), HOST),
                bridge(alerts, "state (after a gap)", BridgeAlert.STATE, state, HOST),
                bridge(alerts, "heartbeat (only with `--heartbeat-alerts`)", BridgeAlert.HEARTBEAT, tree(heartbeat),
                        HOST),
                bridge(alerts, "silent-host", BridgeAlert.SILENT_HOST, silent, HOST),
                bridge(alerts, "host-back", BridgeAlert.HOST_BACK, back, HOST),
                bridge(alerts, "listener-stopped", BridgeAlert.LISTENER_STOPPED, stopped, HOST),
                bridge(alerts, "history-skipped", BridgeAlert.HISTORY_SKIPPED, skipped, HostRef.UNKNOWN),
                bridge(alerts, "deleted-before-delivery", BridgeAlert.DELETED_BEFORE_DELIVERY, deleted,
                        HostRef.UNKNOWN),
                bridge(alerts, "partition-stalled", BridgeAlert.PARTITION_STALLED, stalled, HostRef.UNKNOWN),
                bridge(alerts, "partition-moving", BridgeAlert.PARTITION_MOVING, moving, HostRef.UNKNOWN),
                bridge(alerts, "partition-unwritable", BridgeAlert.PARTITION_UNWRITABLE, unwritable, HostRef.UNKNOWN),
                bridge(alerts, "partition-writable", BridgeAlert.PARTITION_WRITABLE, writable, HostRef.UNKNOWN),
                bridge(alerts, "host-flooding", BridgeAlert.HOST_FLOODING, flooding, HOST),
                bridge(alerts, "partition-caught-up", BridgeAlert.PARTITION_CAUGHT_UP, caughtUp, HOST),
                bridge(alerts, "records-dead-lettered", BridgeAlert.RECORDS_DEAD_LETTERED, deadLettered, HOST),
                bridge(alerts, "records-dead-lettered, of a gap", BridgeAlert.RECORDS_DEAD_LETTERED,
                        gapDeadLettered, HOST),
                trimmed(alerts, "container", "start"),
                trimmed(alerts, "container", "health_status: healthy"),
                trimmed(alerts, "volume", "mount"));
    }

    private static ObjectNode tree(Object value) {
        return (ObjectNode) ContractJson.MAPPER.valueToTree(value);
    }

    private static Kind bridge(ForwardedAlerts alerts, String label, BridgeAlert event, ObjectNode fields,
            HostRef host) {
        return new Kind(label, event.event(), mode -> alerts.bridge(event, fields, host));
    }

    /** An engine event of this kind whose labels make it too big for a datagram: the forwarder trims it. */
    private static Kind trimmed(ForwardedAlerts alerts, String type, String action) {
        ObjectNode event = EventCatalogue.kinds().stream()
                .filter(k -> k.type().equals(type) && k.action().equals(action)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type + " " + action + " in the catalogue"))
                .engine29Event().deepCopy();
        ((ObjectNode) event.get("Actor").get("Attributes")).put("com.example.big-label", "x".repeat(70_000));
        return new Kind("`" + type + "` `" + action + "` trimmed to fit (`truncated`)", "truncated",
                mode -> alerts.event(event, HOST, mode));
    }
}
