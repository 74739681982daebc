package io.dwb.schemas;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * Read access to the fields of an engine event that both stages rely on. The event itself stays the engine's JSON
 * object, untouched: this record only looks into it.
 */
public record EngineEvent(ObjectNode json) {

    public String type() {
        return json.path("Type").asText(null);
    }

    public String action() {
        return json.path("Action").asText(null);
    }

    public String actorId() {
        return json.path("Actor").path("ID").asText(null);
    }

    /** {@code timeNano}, or {@code time} in nanoseconds for producers that only send seconds; empty if neither. */
    public Optional<Long> timeNano() {
        return EventIdentity.of(json).time();
    }

    public String eventId(String hostId) {
        return EventId.of(hostId, json);
    }
}
