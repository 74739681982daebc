package io.dwb.forwarder;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.StandIn;
import java.io.IOException;

/**
 * The few fields of an engine event that delivery reads: the checks ({@code Type}, {@code Action}, {@code
 * timeNano}) and the legacy-field shim ({@code status}, {@code id}, {@code from}, {@code Actor.ID}, {@code
 * Actor.Attributes.image}). Read with Jackson's streaming parser in one pass over the record, which also proves the
 * whole value is one JSON object: an event is spliced into its alert as the engine sent it, so building a tree of
 * every field (the most of the per-record work and garbage) is only done when an alert must be trimmed.
 *
 * <p>A field given twice counts as the tree would read it: the last one wins.
 *
 * @param type      {@code Type} when it is a string, else null
 * @param action    {@code Action} when it is a string, else null
 * @param actorId   {@code Actor.ID} when it is a string, else null
 * @param image     {@code Actor.Attributes.image} when it is a string, else null
 * @param timeNano  {@code timeNano} when it is an integer ({@link Long#MIN_VALUE} when beyond a long), else 0
 * @param truncated {@code "truncated": true}: the listener's {@link StandIn} for an event longer than Kafka takes
 */
public record EventFields(String type, Presence typePresence, String action, Presence actionPresence,
                          Presence timeNanoPresence, long timeNano, String actorId, String image,
                          boolean hasStatus, boolean hasId, boolean hasFrom, boolean truncated) {

    /** How a checked field appeared in the event. */
    public enum Presence {
        /** absent or JSON null */
        MISSING,
        /** there, of the type the contract wants (a string, or an integer for timeNano) */
        VALID,
        /** there, of another type */
        OTHER
    }

    private static final JsonFactory FACTORY = ContractJson.MAPPER.getFactory();

    /**
     * Reads {@code value}, which must be one JSON object and nothing after it.
     *
     * @throws IOException when it is not JSON, or has trailing tokens
     * @throws NotAnObject when it is JSON but not an object (the caller says what it is)
     */
    public static EventFields read(byte[] value) throws IOException, NotAnObject {
        try (JsonParser p = FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new NotAnObject();
            }
            Reader r = new Reader();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "Type" -> {
                        r.typePresence = presence(t, t == JsonToken.VALUE_STRING);
                        r.type = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    case "Action" -> {
                        r.actionPresence = presence(t, t == JsonToken.VALUE_STRING);
                        r.action = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    case "timeNano" -> {
                        r.timeNanoPresence = presence(t, t == JsonToken.VALUE_NUMBER_INT);
                        r.timeNano = t != JsonToken.VALUE_NUMBER_INT ? 0
                                : p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? Long.MIN_VALUE
                                : p.getLongValue();
                    }
                    case "Actor" -> r.actor(p, t);
                    case "status" -> r.hasStatus = true;
                    case "id" -> r.hasId = true;
                    case "from" -> r.hasFrom = true;
                    case StandIn.TRUNCATED -> r.truncated = t == JsonToken.VALUE_TRUE;
                    default -> { }
                }
                p.skipChildren();
            }
            // FIELD_NAME ended: the parser is at the object's end. Anything after it would end up in the alert.
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new IOException("Trailing token (of type " + trailing + ") found after the event object");
            }
            return r.fields();
        }
    }

    /** The same fields read from a parsed event (for callers that already hold the tree). */
    public static EventFields of(ObjectNode event) {
        Reader r = new Reader();
        JsonNode type = event.get("Type");
        r.typePresence = presence(type, type != null && type.isTextual());
        r.type = type != null && type.isTextual() ? type.asText() : null;
        JsonNode action = event.get("Action");
        r.actionPresence = presence(action, action != null && action.isTextual());
        r.action = action != null && action.isTextual() ? action.asText() : null;
        JsonNode time = event.get("timeNano");
        r.timeNanoPresence = presence(time, time != null && time.isIntegralNumber());
        r.timeNano = time == null || !time.isIntegralNumber() ? 0
                : time.canConvertToLong() ? time.longValue() : Long.MIN_VALUE;
        JsonNode id = event.path("Actor").get("ID");
        r.actorId = id != null && id.isTextual() ? id.asText() : null;
        JsonNode image = event.path("Actor").path("Attributes").get("image");
        r.image = image != null && image.isTextual() ? image.asText() : null;
        r.hasStatus = event.has("status");
        r.hasId = event.has("id");
        r.hasFrom = event.has("from");
        r.truncated = event.path(StandIn.TRUNCATED).isBoolean() && event.get(StandIn.TRUNCATED).booleanValue();
        return r.fields();
    }

    private static Presence presence(JsonToken t, boolean valid) {
        return t == JsonToken.VALUE_NULL ? Presence.MISSING : valid ? Presence.VALID : Presence.OTHER;
    }

    private static Presence presence(JsonNode node, boolean valid) {
        return node == null || node.isNull() ? Presence.MISSING : valid ? Presence.VALID : Presence.OTHER;
    }

    /** The value was JSON, but not an object. */
    public static final class NotAnObject extends Exception {
        NotAnObject() {
            super(null, null, false, false);
        }
    }

    /** What one pass has seen so far. */
    private static final class Reader {
        String type;
        Presence typePresence = Presence.MISSING;
        String action;
        Presence actionPresence = Presence.MISSING;
        Presence timeNanoPresence = Presence.MISSING;
        long timeNano;
        String actorId;
        String image;
        boolean hasStatus;
        boolean hasId;
        boolean hasFrom;
        boolean truncated;

        /** {@code Actor}: at its start token {@code t}; leaves the parser on its last token. */
        void actor(JsonParser p, JsonToken t) throws IOException {
            actorId = null; // a later Actor replaces an earlier one, as in the tree
            image = null;
            if (t != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("ID")) {
                    actorId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                } else if (name.equals("Attributes")) {
                    image = null;
                    if (v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String attribute = p.currentName();
                            JsonToken a = p.nextToken();
                            if (attribute.equals("image")) {
                                image = a == JsonToken.VALUE_STRING ? p.getText() : null;
                            }
                            p.skipChildren();
                        }
                        continue;
                    }
                }
                p.skipChildren();
            }
        }

        EventFields fields() {
            return new EventFields(type, typePresence, action, actionPresence, timeNanoPresence, timeNano,
                    actorId, image, hasStatus, hasId, hasFrom, truncated);
        }
    }
}
