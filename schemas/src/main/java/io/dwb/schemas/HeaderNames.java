package io.dwb.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Names of the Kafka record headers of the contract; every value is UTF-8 text. */
public final class HeaderNames {
    /** Engine {@code Name} from GET /info, or {@code --host-name}. */
    public static final String HOST = "host";
    /** Engine {@code ID} from GET /info, or derived from {@code --host-name}. Also the record key. */
    public static final String HOST_ID = "host-id";
    /** {@link EventId} of an engine event (32 hex chars). Only on {@code kind=event} records. */
    public static final String EVENT_ID = "event-id";
    /** One of {@link RecordKind}'s header values. */
    public static final String KIND = "kind";
    /** {@link ContractVersion}: the version of its kind's shape a record follows; absent means 1. */
    public static final String CONTRACT_VERSION = "contract-version";

    /** DLQ: why the forwarder could not deliver the record, as {@code <code>: <detail>} (kept for readers of old). */
    public static final String ERROR = "error";
    /** DLQ: where the record came from. */
    public static final String SOURCE_TOPIC = "source-topic";
    public static final String SOURCE_PARTITION = "source-partition";
    public static final String SOURCE_OFFSET = "source-offset";
    /** DLQ: what the dead letter left out for the topic to take it: {@code value}, or {@code value, key, headers}. */
    public static final String OMITTED = "omitted";

    /*
     * DLQ, one fact a header (as Kafka Connect's __connect.errors.*), so that no reader parses the error text:
     * the reason's code, the stage that refused the record, its coordinates and the detail.
     */
    /** DLQ: the dead-letter reason's code (the forwarder's {@code DeadLetterReason}). */
    public static final String ERROR_REASON = "dwb.error.reason";
    /** DLQ: where the record was refused: {@code classify}, {@code format} or {@code send}. */
    public static final String ERROR_STAGE = "dwb.error.stage";
    public static final String ERROR_TOPIC = "dwb.error.topic";
    public static final String ERROR_PARTITION = "dwb.error.partition";
    public static final String ERROR_OFFSET = "dwb.error.offset";
    /** DLQ: the detail, in words (what follows the code in {@link #ERROR}). */
    public static final String ERROR_MESSAGE = "dwb.error.message";
    /**
     * DLQ: the record's own timestamp (epoch milliseconds); the dead letter's timestamp is when it was written, so
     * that the topic's retention counts from then.
     */
    public static final String ERROR_TIMESTAMP = "dwb.error.timestamp";

    /**
     * The longest {@code host} or {@code host-id} value, in UTF-8 bytes (a host name has at most 253 characters, an
     * engine id under 100): the forwarder keeps both per host and puts them in alerts and logs, and dead-letters a
     * record with a longer one; the listener refuses a longer {@code --host-name}.
     */
    public static final int MAX_HOST_BYTES = 256;

    private HeaderNames() {}

    /** The last value of header {@code name}, decoded as UTF-8, or null when absent. */
    public static String read(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
