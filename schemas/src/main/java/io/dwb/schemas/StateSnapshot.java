package io.dwb.schemas;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.UUID;

/**
 * Value of a {@code kind=state} record, published right after a gap: one part of a snapshot, split so that each
 * record stays under the record size limit whatever the number of containers.
 *
 * @param time       RFC 3339 time of the snapshot
 * @param timeNano   the same in nanoseconds since the epoch
 * @param snapshotId the same in every part of one snapshot
 * @param part       which part this is, from 1
 * @param parts      how many parts the snapshot has
 * @param containers this part's share of the engine's answer to {@code GET /containers/json?all=1}, in its order;
 *                   each container unchanged, except one too large for a part alone: its {@link #SUMMARY_FIELDS}
 *                   and {@code "truncated": true}
 */
public record StateSnapshot(String time, long timeNano, String snapshotId, int part, int parts,
                            ArrayNode containers) {
    /** What is kept of a container too large for a record (labels copied from an image can be huge). */
    public static final java.util.List<String> SUMMARY_FIELDS = java.util.List.of("Id", "Names", "Image", "ImageID",
            "Command", "Created", "State", "Status");

    /** A snapshot in one part. */
    public StateSnapshot(String time, long timeNano, ArrayNode containers) {
        this(time, timeNano, UUID.randomUUID().toString(), 1, 1, containers);
    }
}
