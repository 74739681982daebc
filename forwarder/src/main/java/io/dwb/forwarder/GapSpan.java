package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import java.io.IOException;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The time a listener's {@code gap} record covers, {@code [fromNano, toNano)}: events of it may be lost. The record
 * is dated at the gap's end, so a replay choosing records by their date alone left out a gap that began in its
 * window and ended after it, and a window wholly inside a gap delivered nothing and said "window delivered".
 */
record GapSpan(long fromNano, long toNano) {
    private static final String GAP = RecordKind.GAP.header();

    /**
     * The span of {@code record} when it is a gap whose value gives both ends as integers; none otherwise (what it
     * is, the classifier says if it is delivered).
     */
    static Optional<GapSpan> of(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null || !GAP.equals(HeaderNames.read(record.headers(), HeaderNames.KIND))) {
            return Optional.empty();
        }
        JsonNode json;
        try {
            json = ContractJson.tree(record.value());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (json == null || !json.path("fromNano").isIntegralNumber() || !json.path("toNano").isIntegralNumber()) {
            return Optional.empty();
        }
        return Optional.of(new GapSpan(json.get("fromNano").asLong(), json.get("toNano").asLong()));
    }

    /** Whether the gap covers some of {@code [fromNanos, toNanos)}. */
    boolean overlaps(long fromNanos, long toNanos) {
        return fromNano < toNanos && toNano > fromNanos;
    }
}
