package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shim for Wazuh rulesets older than 4.14.4, which match container and image events on {@code docker.status}:
 * Docker Engine 29 (API 1.52) stopped sending {@code status}, {@code id} and {@code from}. The values are the ones
 * the engine itself used to fill: container events status=Action, id=Actor.ID, from=Actor.Attributes.image; image
 * events status=Action, id=Actor.ID; other types never had them.
 */
public final class LegacyFields {
    private static final String[] NAMES = {"status", "id", "from"};

    private final LegacyFieldsMode mode;

    public LegacyFields(LegacyFieldsMode mode) {
        this.mode = mode;
    }

    /** The fields to add to {@code event}, in the engine's order (status, id, from); empty when none. */
    public Map<String, String> missing(ObjectNode event) {
        if (mode == LegacyFieldsMode.NEVER) {
            return Map.of();
        }
        String type = event.path("Type").asText("");
        boolean container = type.equals("container");
        if (!container && !type.equals("image")) {
            return Map.of();
        }
        if (mode == LegacyFieldsMode.AUTO && (event.has("status") || event.has("id") || event.has("from"))) {
            return Map.of(); // the engine spoke an API < 1.52: it already chose which fields to send
        }
        Map<String, String> engineValues = new LinkedHashMap<>();
        engineValues.put("status", text(event.get("Action")));
        engineValues.put("id", text(event.path("Actor").get("ID")));
        if (container) {
            engineValues.put("from", text(event.path("Actor").path("Attributes").get("image")));
        }
        Map<String, String> add = new LinkedHashMap<>();
        for (String name : NAMES) {
            String value = engineValues.get(name);
            if (value != null && !event.has(name)) {
                add.put(name, value);
            }
        }
        return add;
    }

    private static String text(JsonNode node) {
        return node == null || !node.isTextual() ? null : node.asText();
    }
}
