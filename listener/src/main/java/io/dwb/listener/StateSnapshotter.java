package io.dwb.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.StandIn;
import io.dwb.schemas.StateSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The state records that follow a gap: every container the engine knows, as GET /containers/json?all=1 says, in as
 * many parts as it takes for each record to stay under {@code maxPartBytes} (a few hundred containers already make
 * more than 1 MiB, which Kafka would refuse for good).
 */
final class StateSnapshotter {
    /** Room for a part's own fields (time, ids, part numbers) around its containers. */
    private static final int PART_OVERHEAD = 512;
    private static final int MAX_NAME_LENGTH = ContractJson.MAPPER.getFactory().streamReadConstraints()
            .getMaxNameLength();

    private final EngineConnection engine;
    private final int maxPartBytes;

    StateSnapshotter(EngineConnection engine, int maxPartBytes) {
        this.engine = engine;
        this.maxPartBytes = maxPartBytes;
    }

    List<StateSnapshot> take() {
        long now = ContractJson.epochNanos(Instant.now());
        Parts parts = new Parts(maxPartBytes - PART_OVERHEAD);
        // One container at a time, each cut where it goes beyond what a part holds: its labels are anyone's.
        engine.containers(maxPartBytes, parts::add);
        return parts.snapshots(ContractJson.rfc3339(now), now, UUID.randomUUID().toString());
    }

    /** The parts of one snapshot as its containers come: in the engine's order, each within the budget. */
    private static final class Parts {
        private final int budget;
        private final List<ArrayNode> parts = new ArrayList<>();
        private ArrayNode current = ContractJson.MAPPER.createArrayNode();
        private long size;

        Parts(int budget) {
            this.budget = budget;
        }

        void add(EngineConnection.Container read) {
            JsonNode container = read.json();
            JsonNode kept = container;
            int length = ContractJson.write(kept).length;
            if (read.cut() || length > budget || hasLongName(container)) {
                kept = summary(container);
                length = ContractJson.write(kept).length;
            }
            if (!current.isEmpty() && size + length + 1 > budget) {
                parts.add(current);
                current = ContractJson.MAPPER.createArrayNode();
                size = 0;
            }
            current.add(kept);
            size += length + 1;
        }

        List<StateSnapshot> snapshots(String time, long timeNano, String snapshotId) {
            parts.add(current);
            List<StateSnapshot> snapshots = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                snapshots.add(new StateSnapshot(time, timeNano, snapshotId, i + 1, parts.size(), parts.get(i)));
            }
            return snapshots;
        }
    }

    /**
     * Whether a field name in it (a label key: whoever runs a container chooses it) is longer than the contract's
     * parser reads: a forwarder would dead-letter the whole part as {@code too-complex}.
     */
    private static boolean hasLongName(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (field.getKey().length() > MAX_NAME_LENGTH || hasLongName(field.getValue())) {
                    return true;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                if (hasLongName(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A container too large for a part alone (cut while read: only the summary fields before the cut), or with a
     * name the contract's parser refuses: its summary fields, each cut to fit, marked truncated.
     */
    private static ObjectNode summary(JsonNode container) {
        ObjectNode summary = ContractJson.MAPPER.createObjectNode();
        for (String field : StateSnapshot.SUMMARY_FIELDS) {
            JsonNode value = container.get(field);
            if (value != null) {
                boolean small = ContractJson.write(value).length <= 4_096;
                String text = value.isTextual() ? value.asText() : "";
                summary.set(field, small ? value : ContractJson.MAPPER.getNodeFactory().textNode(
                        text.substring(0, Math.min(1_024, text.length()))));
            }
        }
        summary.put(StandIn.TRUNCATED, true);
        return summary;
    }
}
