package io.dwb.forwarder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.RecordKind;

/** What a record on the events topic turned out to be, once checked. */
public sealed interface Classified {

    /**
     * An engine event that can become an alert.
     *
     * @param value   the record's bytes (valid UTF-8, one JSON object), spliced into the alert as they are
     * @param json    the same, parsed
     * @param eventId header {@code event-id}, or computed as the listener would
     */
    record Event(byte[] value, ObjectNode json, HostRef host, String eventId) implements Classified {}

    /** One of the listener's own records (gap, heartbeat, state), checked against its schema. */
    record Bridge(RecordKind kind, ObjectNode json, HostRef host) implements Classified {}

    /** Not deliverable; goes to the dead-letter topic with {@code reason} in its {@code error} header. */
    record Invalid(String reason) implements Classified {}
}
