package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.RecordKind;

/** What a record on the events topic turned out to be, once checked. */
public sealed interface Classified {

    /**
     * An engine event that can become an alert.
     *
     * @param value   the record's bytes (valid UTF-8, one compact JSON object), spliced into the alert as they are
     * @param fields  the fields delivery reads, from the same bytes
     * @param eventId header {@code event-id}, or computed as the listener would
     */
    record Event(byte[] value, EventFields fields, HostRef host, String eventId) implements Classified {

        /** An event whose tree is at hand ({@code value} must be its compact JSON). */
        public Event(byte[] value, ObjectNode json, HostRef host, String eventId) {
            this(value, EventFields.of(json), host, eventId);
        }

        /**
         * The event parsed into a new tree, for the rare work that changes it (trimming an oversize alert): the
         * delivery of an ordinary event never builds one.
         */
        public ObjectNode json() {
            return EventFields.tree(value);
        }
    }

    /** One of the listener's own records (gap, heartbeat, state), checked against its schema. */
    record Bridge(RecordKind kind, ObjectNode json, HostRef host) implements Classified {}

    /** Not deliverable; goes to the dead-letter topic with {@link #error()} in its {@code error} header. */
    record Invalid(DeadLetterReason reason, String detail) implements Classified {
        /** {@code <code>: <detail>}. */
        public String error() {
            return reason.code() + ": " + detail;
        }
    }
}
