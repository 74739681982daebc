package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.runtime.LogText;
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

    /**
     * One of the listener's own records (gap, heartbeat, state), checked against its schema as a reader takes it.
     *
     * @param json  the record, less the fields this forwarder does not know
     * @param newer what a listener newer than this forwarder wrote in it ({@link NewerParts#NONE}: nothing)
     */
    record Bridge(RecordKind kind, ObjectNode json, HostRef host, NewerParts newer) implements Classified {}

    /** Not deliverable; goes to the dead-letter topic with {@link #error()} in its {@code error} header. */
    record Invalid(DeadLetterReason reason, String detail) implements Classified {
        /** The most of a detail kept: it goes into two headers of the dead letter and into the log. */
        static final int MAX_DETAIL = 1000;

        /**
         * The detail bounded: it may quote the record (a schema's messages, one per wrong element, were 17 times
         * the record's size; as headers, they made even the smallest dead letter too large for the topic).
         */
        public Invalid {
            detail = LogText.bounded(detail, MAX_DETAIL);
        }

        /** {@code <code>: <detail>}. */
        public String error() {
            return reason.code() + ": " + detail;
        }
    }
}
