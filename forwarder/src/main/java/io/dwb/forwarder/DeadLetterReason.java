package io.dwb.forwarder;

import io.dwb.schemas.RecordKind;

/**
 * Why a record went to the dead-letter topic: its {@code dwb.error.reason} header, the code before the colon of its
 * {@code error} header, and the {@code reason} label of {@code dwb_forwarder_dlq_records_total}; each with the
 * {@link Stage} that refused the record. docs/forwarder.md lists them (checked by {@code DeadLetterDocsTest}).
 */
public enum DeadLetterReason {
    /** No value (a tombstone). */
    EMPTY("empty"),
    /** A value over the 1 MiB the listener ever writes. */
    TOO_LARGE("too-large"),
    /**
     * A {@code contract-version} header this forwarder does not read ({@link io.dwb.schemas.ContractVersion}): a
     * newer listener's record of a shape it would misread.
     */
    NEWER_CONTRACT("newer-contract"),
    /** A {@code kind} header of no {@link RecordKind}. */
    UNKNOWN_KIND("unknown-kind"),
    BAD_UTF8("bad-utf8"),
    /**
     * Not one JSON value, or bytes after it, or a key given twice in one object (I-JSON's rule, RFC 7493: Wazuh's
     * reader takes the first of two such keys, Jackson the last; {@link EventFields}).
     */
    NOT_JSON("not-json"),
    NOT_OBJECT("not-object"),
    /**
     * Nested deeper than an alert may be ({@link EventFields#MAX_DEPTH}), a number over
     * {@link io.dwb.schemas.ContractJson#MAX_NUMBER_DIGITS} digits (more than Wazuh's cJSON reads), or one whose
     * exponent is beyond an int.
     */
    TOO_COMPLEX("too-complex"),
    /** An event without {@code Type}, {@code Action} or {@code timeNano}. */
    MISSING_FIELD("missing-field"),
    /** An event field of the wrong type. */
    INVALID_FIELD("invalid-field"),
    /** An event field of the right type whose value cannot be true ({@code timeNano} before 2000 or negative). */
    OUT_OF_RANGE("out-of-range"),
    /** Header {@code host-id} and the record key name different hosts. */
    HOST_MISMATCH("host-mismatch"),
    /**
     * Header {@code host} or {@code host-id}, or the key standing for the id, over
     * {@link io.dwb.schemas.HeaderNames#MAX_HOST_BYTES}.
     */
    INVALID_HOST("invalid-host"),
    INVALID_GAP("invalid-gap"),
    INVALID_HEARTBEAT("invalid-heartbeat"),
    INVALID_STATE("invalid-state"),
    /** The alert does not fit 65,341 bytes even without any of its attributes. */
    TOO_LARGE_AFTER_TRIM("too-large-after-trim", Stage.FORMAT),
    /**
     * The alert has more fields than Wazuh's JSON decoder takes ({@code --max-fields}) even without any label: not an
     * engine's event ({@link FieldBudget}).
     */
    TOO_MANY_FIELDS("too-many-fields", Stage.FORMAT),
    /** A bridge record of a kind added after this forwarder was built, not matching its schema. */
    INVALID_RECORD("invalid-record"),
    /** The socket refused the datagram itself ({@code EMSGSIZE}). */
    REJECTED("rejected", Stage.SEND),
    /**
     * Reading the record failed in a way the forwarder does not foresee (a bug): the exception is in the error
     * header, the log has its stack trace.
     */
    CLASSIFY_ERROR("classify-error"),
    /** Making the record's alert failed in a way the forwarder does not foresee (a bug), as above. */
    FORMAT_ERROR("format-error", Stage.FORMAT),
    /**
     * Offsets no poll could read within the forwarder's memory (a record of very many headers, and the records after
     * it in its batch): {@link UnreadableRecord}. The letter has nothing of the record's; its
     * {@code dwb.error.offset} is the range's last offset, and its error header says the range.
     */
    UNREADABLE("unreadable");

    /** Where delivery refused the record: its {@code dwb.error.stage} header. */
    public enum Stage {
        /** Reading the record: it is not a record of the contract. */
        CLASSIFY("classify"),
        /** Making its alert: it cannot become a datagram Wazuh takes. */
        FORMAT("format"),
        /** Sending its alert: the socket refused the datagram itself. */
        SEND("send");

        private final String code;

        Stage(String code) {
            this.code = code;
        }

        /** The {@code dwb.error.stage} header's value. */
        public String code() {
            return code;
        }
    }

    private final String code;
    private final Stage stage;

    DeadLetterReason(String code) {
        this(code, Stage.CLASSIFY);
    }

    DeadLetterReason(String code, Stage stage) {
        this.code = code;
        this.stage = stage;
    }

    public Stage stage() {
        return stage;
    }

    /** The code in the {@code dwb.error.reason} and {@code error} headers, and the metric label. */
    public String code() {
        return code;
    }

    /** The reason for a bridge record that does not match its schema. */
    static DeadLetterReason invalid(RecordKind kind) {
        return switch (kind) {
            case GAP -> INVALID_GAP;
            case HEARTBEAT -> INVALID_HEARTBEAT;
            case STATE -> INVALID_STATE;
            default -> INVALID_RECORD;
        };
    }
}
