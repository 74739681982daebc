package io.dwb.schemas;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * Value of a {@code kind=state} record, published right after a gap.
 *
 * @param time       RFC 3339 time of the snapshot
 * @param timeNano   the same in nanoseconds since the epoch
 * @param containers the engine's answer to {@code GET /containers/json?all=1}, unchanged
 */
public record StateSnapshot(String time, long timeNano, ArrayNode containers) {}
