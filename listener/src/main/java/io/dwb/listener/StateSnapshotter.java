package io.dwb.listener;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.StandIn;
import io.dwb.schemas.StateSnapshot;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state records that follow a gap: every container the engine knows, as GET /containers/json?all=1 says, in as
 * many parts as it takes for each record to stay under {@code maxPartBytes} (a few hundred containers already make
 * more than 1 MiB, which Kafka would refuse for good).
 */
final class StateSnapshotter {
    private static final Logger log = LoggerFactory.getLogger(StateSnapshotter.class);
    /**
     * The containers one snapshot keeps whole, their JSON bytes in all; past it each further container is its
     * summary. A snapshot is held twice until committed (its containers, then its records), outside the queue's
     * bound: forty containers with a label just under the part limit (anyone who may create a container makes them)
     * ran the launcher's 64 MB heap out at every gap. 4 MiB is some 1,500 containers of typical size.
     */
    static final long WHOLE_BYTES = 4L * 1024 * 1024;
    /**
     * The summaries one snapshot gives, their JSON bytes in all; past it further containers that would be summaries
     * are left out. A summary keeps up to 4 KB of each field: thousands of containers with long command lines and
     * image names (a CI host's exited ones, or anyone's) were 48 MB of summaries, and the 64 MB heap ran out at every
     * gap. 2 MiB is some 5,000 summaries of typical size.
     */
    static final long SUMMARY_BYTES = 2L * 1024 * 1024;
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
        long now = ContractJson.epochNanosNow();
        Parts parts = new Parts(maxPartBytes - PART_OVERHEAD);
        // One container at a time, each cut where it goes beyond what a part holds: its labels are anyone's.
        engine.containers(maxPartBytes, parts::add);
        if (parts.pastWholeBytes > 0) {
            log.warn("the state snapshot gives {} of the engine's {} containers as their summary fields only: the "
                    + "containers before them take the {} MiB a snapshot keeps whole", parts.pastWholeBytes,
                    parts.containers, WHOLE_BYTES >> 20);
        }
        if (parts.leftOut > 0) {
            log.warn("the state snapshot leaves out {} of the engine's {} containers: the summaries before them take "
                    + "the {} MiB a snapshot gives them", parts.leftOut, parts.containers, SUMMARY_BYTES >> 20);
        }
        return parts.snapshots(ContractJson.rfc3339(now), now, UUID.randomUUID().toString());
    }

    /** The parts of one snapshot as its containers come: in the engine's order, each within the budget. */
    private static final class Parts {
        private final int budget;
        private final List<ArrayNode> parts = new ArrayList<>();
        private ArrayNode current = ContractJson.MAPPER.createArrayNode();
        private long size;
        /** The bytes of the containers kept whole so far, against {@link #WHOLE_BYTES}. */
        private long whole;
        private int containers;
        /** Containers given as their summary because those before them took {@link #WHOLE_BYTES}. */
        private int pastWholeBytes;
        /** The bytes of the summaries so far, against {@link #SUMMARY_BYTES}. */
        private long summaries;
        /** Containers left out because the summaries before them took {@link #SUMMARY_BYTES}. */
        private int leftOut;

        Parts(int budget) {
            this.budget = budget;
        }

        void add(EngineConnection.Container read) {
            containers++;
            JsonNode container = read.json();
            JsonNode kept = container;
            int length = ContractJson.write(kept).length;
            boolean tooLarge = read.cut() || length > budget || hasLongName(container);
            boolean pastWhole = !tooLarge && whole + length > WHOLE_BYTES;
            if (tooLarge || pastWhole) {
                if (leftOut > 0) {
                    leftOut++; // none after the first left out: the summaries given are of the newest containers
                    return;
                }
                kept = summary(container);
                length = ContractJson.write(kept).length;
                if (summaries + length > SUMMARY_BYTES) {
                    leftOut++;
                    return;
                }
                summaries += length;
                pastWholeBytes += pastWhole ? 1 : 0;
            } else {
                whole += length;
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
                // Never between the two chars of a pair: a lone half got the whole part dead-lettered as bad-utf8.
                summary.set(field, small ? value : ContractJson.MAPPER.getNodeFactory().textNode(
                        ContractJson.prefix(text, 1_024)));
            }
        }
        summary.put(StandIn.TRUNCATED, true);
        return summary;
    }
}
