package io.dwb.forwarder;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
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
 * <p>A key given twice in one object, anywhere in the event, is refused ({@link #FACTORY}): the event is spliced into
 * its alert as it came, and Wazuh's JSON reader (cJSON) reads the first of two such keys where Jackson's tree reads the
 * last, so the checks here (Type, Action, the field budget, the label keys) would judge another event than the one
 * Wazuh's rules see. The engine never writes one (Go's encoder): such a record is forged.
 *
 * @param type      {@code Type} when it is a string, else null
 * @param action    {@code Action} when it is a string, else null
 * @param actorId   {@code Actor.ID} when it is a string, else null
 * @param image     {@code Actor.Attributes.image} when it is a string, else null
 * @param timeNano  {@code timeNano} when it is an integer ({@link Long#MIN_VALUE} when beyond a long), else 0
 * @param truncated {@code "truncated": true}: the listener's {@link StandIn} for an event longer than Kafka takes
 * @param attributes how many entries {@code Actor.Attributes} has (labels and the engine's own), 0 when not an object
 * @param lookalikeAttribute whether a key of {@code Actor.Attributes} is one Wazuh reads as one of the engine's own
 *                  attributes without being it ({@link WazuhFieldOrder#lookalike}: a label {@code Name})
 * @param indexerRefusedKey whether a key of {@code Actor.Attributes} is one Wazuh's indexer refuses ({@link
 *                  IndexerKeys#refused}: {@code x..y}, 17 dot-separated parts); checked here so that an ordinary event
 *                  builds no tree for it
 * @param wrongType what is wrong with the first (by path) other field of docker-event.schema.json that has a value
 *                  of another type ({@code scope}, {@code time}, {@code Actor.Attributes.*}, ...), else null
 * @param fields    the fields Wazuh's JSON decoder makes of the event as written ({@link FieldBudget#fields})
 */
public record EventFields(String type, Presence typePresence, String action, Presence actionPresence,
                          Presence timeNanoPresence, long timeNano, String actorId, String image,
                          boolean hasStatus, boolean hasId, boolean hasFrom, boolean truncated, int attributes,
                          boolean lookalikeAttribute, boolean indexerRefusedKey, String wrongType, int fields) {

    /** How a checked field appeared in the event. */
    public enum Presence {
        /** absent or JSON null */
        MISSING,
        /** there, of the type the contract wants (a string, or an integer for timeNano) */
        VALID,
        /** there, of another type */
        OTHER
    }

    /**
     * How deep a record may nest: its alert puts it two levels deeper, and Wazuh's JSON reader (cJSON) and Jackson
     * both stop at 1000 levels. A deeper record would make an alert no one can read.
     */
    public static final int MAX_DEPTH = 998;

    /**
     * The contract's JSON factory (numbers of at most {@link ContractJson#MAX_NUMBER_DIGITS} digits), refusing records
     * nested deeper than {@link #MAX_DEPTH}, and a key given twice in
     * one object ({@code Duplicate field 'Action'}, a {@link com.fasterxml.jackson.core.JsonParseException}: the
     * classifier's {@code not-json}). Its tree reader reads every record of the topic, the listener's own (gap,
     * state, heartbeat) too, which Jackson writes, never with such a key.
     */
    static final JsonFactory FACTORY = ContractJson.MAPPER.getFactory().copy()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .setStreamReadConstraints(ContractJson.MAPPER.getFactory().streamReadConstraints().rebuild()
                    .maxNestingDepth(MAX_DEPTH).build());

    /** Builds an event's tree for the rare work that needs one (trimming, an event without an id header). */
    private static final ObjectReader TREE = ContractJson.MAPPER.reader().with(FACTORY);

    /** The tree of a value {@link #read} accepted. */
    static ObjectNode tree(byte[] value) {
        try {
            return (ObjectNode) TREE.readTree(value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("read as one JSON object before", e);
        }
    }

    /**
     * Reads {@code value}, which must be one JSON object and nothing after it.
     *
     * @throws IOException when it is not JSON, or has trailing tokens, or a key given twice in one object, or is
     *                     nested too deep ({@link com.fasterxml.jackson.core.exc.StreamConstraintsException})
     * @throws NumberFormatException for a decimal Jackson has no BigDecimal for (see {@link #skip})
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
                    case "status" -> {
                        r.hasStatus = true;
                        r.expect(name, t == JsonToken.VALUE_STRING, A_STRING);
                    }
                    case "id" -> {
                        r.hasId = true;
                        r.expect(name, t == JsonToken.VALUE_STRING, A_STRING);
                    }
                    case "from" -> {
                        r.hasFrom = true;
                        r.expect(name, t == JsonToken.VALUE_STRING, A_STRING);
                    }
                    case "scope" -> r.expect(name, t == JsonToken.VALUE_STRING, A_STRING);
                    case "time", "originalSize" -> r.expect(name, t == JsonToken.VALUE_NUMBER_INT, AN_INTEGER);
                    case StandIn.TRUNCATED -> {
                        r.truncated = t == JsonToken.VALUE_TRUE;
                        r.expect(name, t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE, A_BOOLEAN);
                    }
                    default -> { }
                }
                r.fields += skip(p);
            }
            // FIELD_NAME ended: the parser is at the object's end. Anything after it would end up in the alert.
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                throw new IOException("Trailing token (of type " + trailing + ") found after the event object");
            }
            return r.fields();
        }
    }

    /**
     * Past the value at the parser's token, as {@link JsonParser#skipChildren} would, decoding every decimal on the
     * way: a tree reads each as a BigDecimal, and Jackson has none for an exponent beyond an int
     * ({@code 1e38650953348902859}), so an event holding one is refused here as it would be there, whatever path
     * its record takes. Decimals are rare in engine events: the cost is a token comparison. Returns the fields
     * Wazuh's JSON decoder makes of the value ({@link FieldBudget#fields}); 0 at the end of one the caller read.
     *
     * @throws NumberFormatException for such a decimal (unchecked, as Jackson throws it)
     */
    private static int skip(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            p.getDecimalValue();
            return 1;
        }
        if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
            return 0;
        }
        if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
            return 1;
        }
        // An array is one field; nothing inside one (objects included) is a field of its own.
        int arrays = t == JsonToken.START_ARRAY ? 1 : 0;
        int fields = arrays;
        for (int open = 1; open > 0; ) {
            t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                open++;
            } else if (t == JsonToken.START_ARRAY) {
                open++;
                fields += arrays++ == 0 ? 1 : 0;
            } else if (t == JsonToken.END_OBJECT) {
                open--;
            } else if (t == JsonToken.END_ARRAY) {
                open--;
                arrays--;
            } else if (t == null) {
                return fields; // the input ended: the caller's next read says so
            } else if (t != JsonToken.FIELD_NAME) {
                if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                    p.getDecimalValue();
                }
                fields += arrays == 0 ? 1 : 0;
            }
        }
        return fields;
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
        for (String name : new String[] {"status", "id", "from", "scope"}) {
            r.expect(event, name, name, JsonNode::isTextual, A_STRING);
        }
        r.expect(event, "time", "time", JsonNode::isIntegralNumber, AN_INTEGER);
        r.expect(event, "originalSize", "originalSize", JsonNode::isIntegralNumber, AN_INTEGER);
        r.expect(event, StandIn.TRUNCATED, StandIn.TRUNCATED, JsonNode::isBoolean, A_BOOLEAN);
        r.fields = FieldBudget.fields(event);
        JsonNode actorNode = event.get("Actor");
        r.expect(event, "Actor", "Actor", JsonNode::isObject, AN_OBJECT);
        if (actorNode != null && actorNode.isObject()) {
            r.expect(actorNode, "ID", "Actor.ID", JsonNode::isTextual, A_STRING);
            r.expect(actorNode, "Attributes", "Actor.Attributes", JsonNode::isObject, AN_OBJECT);
            JsonNode attributes = actorNode.get("Attributes");
            if (attributes != null && attributes.isObject()) {
                r.attributes = attributes.size();
                attributes.fieldNames().forEachRemaining(a -> {
                    r.expect(attributes, a, "Actor.Attributes." + a, JsonNode::isTextual, A_STRING);
                    r.lookalike |= WazuhFieldOrder.lookalike(a);
                    r.indexerRefused |= IndexerKeys.refused(a);
                });
            }
        }
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

    private static final String A_STRING = "a string";
    private static final String AN_INTEGER = "an integer";
    private static final String A_BOOLEAN = "a boolean";
    private static final String AN_OBJECT = "an object";

    /** What one pass has seen so far. */
    private static final class Reader {
        /** Path to what is wrong with it (no path is read twice: no key is given twice). */
        java.util.TreeMap<String, String> wrongTypes;

        void expect(String path, boolean ok, String what) {
            if (!ok) {
                if (wrongTypes == null) {
                    wrongTypes = new java.util.TreeMap<>();
                }
                wrongTypes.put(path, path + " must be " + what);
            }
        }

        void expect(JsonNode parent, String name, String path, java.util.function.Predicate<JsonNode> ok,
                    String what) {
            JsonNode value = parent.get(name);
            if (value != null) {
                expect(path, ok.test(value), what);
            }
        }

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
        int attributes;
        boolean lookalike;
        boolean indexerRefused;
        int fields;

        /** {@code Actor}: at its start token {@code t}; leaves the parser on its last token. */
        void actor(JsonParser p, JsonToken t) throws IOException {
            expect("Actor", t == JsonToken.START_OBJECT, AN_OBJECT);
            if (t != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("ID")) {
                    actorId = v == JsonToken.VALUE_STRING ? p.getText() : null;
                    expect("Actor.ID", v == JsonToken.VALUE_STRING, A_STRING);
                } else if (name.equals("Attributes")) {
                    expect("Actor.Attributes", v == JsonToken.START_OBJECT, AN_OBJECT);
                    if (v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String attribute = p.currentName();
                            attributes++;
                            lookalike |= WazuhFieldOrder.lookalike(attribute);
                            indexerRefused |= IndexerKeys.refused(attribute);
                            JsonToken a = p.nextToken();
                            if (attribute.equals("image")) {
                                image = a == JsonToken.VALUE_STRING ? p.getText() : null;
                            }
                            if (a != JsonToken.VALUE_STRING) {
                                expect("Actor.Attributes." + attribute, false, A_STRING);
                            }
                            fields += skip(p);
                        }
                        continue;
                    }
                }
                fields += skip(p);
            }
        }

        EventFields fields() {
            return new EventFields(type, typePresence, action, actionPresence, timeNanoPresence, timeNano,
                    actorId, image, hasStatus, hasId, hasFrom, truncated, attributes, lookalike, indexerRefused,
                    wrongTypes == null || wrongTypes.isEmpty() ? null : wrongTypes.firstEntry().getValue(), fields);
        }
    }
}
