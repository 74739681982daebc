package io.dwb.forwarder;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shim for Wazuh rulesets older than 4.14.4, which match container and image events on {@code docker.status}:
 * Docker Engine 29 (API 1.52) stopped sending {@code status}, {@code id} and {@code from}. The values are the ones
 * the engine itself used to fill: container events status=Action, id=Actor.ID, from=Actor.Attributes.image; image
 * events status=Action, id=Actor.ID; other types never had them. An empty value was left out (the engine's fields were
 * {@code omitempty}).
 */
public final class LegacyFields {
    private final LegacyFieldsMode mode;

    public LegacyFields(LegacyFieldsMode mode) {
        this.mode = mode;
    }

    /** The fields to add to the event {@code fields} were read from, in the engine's order (status, id, from). */
    public Map<String, String> missing(EventFields fields) {
        if (mode == LegacyFieldsMode.NEVER) {
            return Map.of();
        }
        String type = fields.type() == null ? "" : fields.type();
        boolean container = type.equals("container");
        if (!container && !type.equals("image")) {
            return Map.of();
        }
        if (mode == LegacyFieldsMode.AUTO && (fields.hasStatus() || fields.hasId() || fields.hasFrom())) {
            return Map.of(); // the engine spoke an API < 1.52: it already chose which fields to send
        }
        Map<String, String> add = new LinkedHashMap<>();
        if (filled(fields.action()) && !fields.hasStatus()) {
            add.put("status", fields.action());
        }
        if (filled(fields.actorId()) && !fields.hasId()) {
            add.put("id", fields.actorId());
        }
        if (container && filled(fields.image()) && !fields.hasFrom()) {
            add.put("from", fields.image());
        }
        return add;
    }

    /** The engine's fields were {@code omitempty}: a prune's empty Actor.ID gave no {@code id}. */
    private static boolean filled(String value) {
        return value != null && !value.isEmpty();
    }
}
