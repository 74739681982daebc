package io.dwb.schemas;

import java.util.Optional;

/** The {@code kind} header: what a record on the events topic is. */
public enum RecordKind {
    /** An engine event, value exactly as the engine sent it. */
    EVENT("event", "docker-event.schema.json"),
    /** The listener could not prove continuity: events between {@code from} and {@code to} may be lost. */
    GAP("gap", "gap.schema.json"),
    /** The listener is alive (sent every 30 s by default). */
    HEARTBEAT("heartbeat", "heartbeat.schema.json"),
    /** A snapshot of all containers, published after a gap so Wazuh knows what exists. */
    STATE("state", "state.schema.json");

    private final String header;
    private final String schemaResource;

    RecordKind(String header, String schemaResource) {
        this.header = header;
        this.schemaResource = schemaResource;
    }

    public String header() {
        return header;
    }

    String schemaResource() {
        return schemaResource;
    }

    /** The kind named by a header value; empty for an unknown one. A missing header means an engine event. */
    public static Optional<RecordKind> fromHeader(String value) {
        if (value == null) {
            return Optional.of(EVENT);
        }
        for (RecordKind kind : values()) {
            if (kind.header.equals(value)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
