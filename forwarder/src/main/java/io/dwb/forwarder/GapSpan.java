package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The time a listener's {@code gap} record covers, {@code [fromNano, toNano)}: events of it may be lost. The record
 * is dated at the gap's end, so a replay choosing records by their date alone left out a gap that began in its
 * window and ended after it, and a window wholly inside a gap delivered nothing and said "window delivered".
 */
record GapSpan(long fromNano, long toNano) {
    /**
     * The gap kind's header value, compared byte for byte: a replay asks this of every record it reads, and decoding
     * each one's kind made a String a record. Only these bytes decode to {@code gap} (UTF-8 has one encoding of it).
     */
    private static final byte[] GAP = HeaderNames.utf8(RecordKind.GAP.header());

    /**
     * The span of {@code record} when it is a gap whose value gives both ends as integers; none otherwise (what it
     * is, the classifier says if it is delivered).
     */
    static Optional<GapSpan> of(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null || record.value().length > StandIn.MAX_VALUE_BYTES) {
            return Optional.empty(); // a value over the contract's limit is the classifier's to refuse, not parsed here
        }
        Header kind = record.headers().lastHeader(HeaderNames.KIND); // the kind HeaderNames.read gives
        if (kind == null || !Arrays.equals(kind.value(), GAP)) {
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
        long from = json.get("fromNano").asLong();
        long to = json.get("toNano").asLong();
        if (!json.get("fromNano").canConvertToLong() || !json.get("toNano").canConvertToLong() || from < 0
                || to < from) {
            return Optional.empty(); // no span a listener writes: taken by its date, and refused by the classifier
        }
        return Optional.of(new GapSpan(from, to));
    }

    /** Whether the gap covers some of {@code [fromNanos, toNanos)}. */
    boolean overlaps(long fromNanos, long toNanos) {
        return fromNano < toNanos && toNano > fromNanos;
    }
}
