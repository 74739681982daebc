package io.dwb.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.FailFastAssertionException;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON Schemas of the contract (in {@code io/dwb/schemas/*.schema.json}), loaded once. Thread-safe.
 * Validation is for tests and for diagnosing records; the forwarder's hot path checks only what it needs.
 */
public final class ContractSchemas {
    private static final String ID_PREFIX = "https://docker-wazuh-bridge/schemas/";
    private static final String CLASSPATH_PREFIX = "classpath:io/dwb/schemas/";

    private final Map<RecordKind, JsonSchema> byKind = new EnumMap<>(RecordKind.class);
    /** What a reader takes, stopping at the first problem: {@link #firstProblemToRead}. */
    private final Map<RecordKind, JsonSchema> toRead = new EnumMap<>(RecordKind.class);
    /** The top-level fields each kind's schema defines. */
    private final Map<RecordKind, Set<String>> fields = new EnumMap<>(RecordKind.class);
    private final JsonSchema checkpoint;
    private final JsonSchema wazuhAlert;

    public ContractSchemas() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_PREFIX, CLASSPATH_PREFIX)));
        SchemaValidatorsConfig firstOnly = SchemaValidatorsConfig.builder().failFast(true).build();
        for (RecordKind kind : RecordKind.values()) {
            byKind.put(kind, load(factory, kind.schemaResource(), SchemaValidatorsConfig.builder().build()));
            ObjectNode written = read(kind.schemaResource());
            fields.put(kind, definedFields(written));
            toRead.put(kind, factory.getSchema(SchemaLocation.of(ID_PREFIX + "to-read/" + kind.schemaResource()),
                    toRead(kind, written), firstOnly));
        }
        checkpoint = load(factory, "checkpoint.schema.json", SchemaValidatorsConfig.builder().build());
        wazuhAlert = load(factory, "wazuh-alert.schema.json", SchemaValidatorsConfig.builder().build());
    }

    private static JsonSchema load(JsonSchemaFactory factory, String resource, SchemaValidatorsConfig config) {
        return factory.getSchema(SchemaLocation.of(ID_PREFIX + resource), config);
    }

    /**
     * Problems of a value on the events topic for its kind; empty when it conforms. Every one: a message each, for
     * tests and diagnosis, whose size grows with the value's (a 300 KB state of 100,000 wrong containers made more
     * messages than a 72 MB heap holds); a reader of records uses {@link #firstProblemToRead}.
     */
    public List<String> validate(RecordKind kind, JsonNode value) {
        return messages(byKind.get(kind), value);
    }

    /**
     * The first problem the validator meets in a value on the events topic for its kind (which one, of several, is
     * the schema's order), or empty when it conforms: what a record costs to refuse does not grow with how wrong it
     * is. As a reader of records that a newer listener may have written takes them ({@link ContractVersion}): the
     * schema of its kind, open to top-level fields it does not define, and, for a gap,
     * to a {@code reason} it does not list that is still a code ({@link GapReason#CODE_PATTERN}). Everything else is
     * as strict: a field it defines must be as it says.
     */
    public Optional<String> firstProblemToRead(RecordKind kind, JsonNode value) {
        try {
            Set<ValidationMessage> problems = toRead.get(kind).validate(value);
            return problems.stream().map(ValidationMessage::getMessage).sorted().findFirst();
        } catch (FailFastAssertionException e) {
            return Optional.of(e.getValidationMessage().getMessage());
        }
    }

    /**
     * Removes from {@code value} the top-level fields its kind's schema does not define (a newer listener's), and
     * returns their names, in the value's order: what reaches Wazuh is what this build knows.
     */
    public List<String> leaveOutUnknownFields(RecordKind kind, ObjectNode value) {
        Set<String> known = fields.get(kind);
        List<String> leftOut = new ArrayList<>();
        for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                leftOut.add(name);
                names.remove();
            }
        }
        return leftOut;
    }

    public List<String> validateCheckpoint(JsonNode value) {
        return messages(checkpoint, value);
    }

    /** Problems of the JSON payload of a Wazuh datagram (after {@code 1:Wazuh-Docker:}). */
    public List<String> validateAlert(JsonNode alert) {
        return messages(wazuhAlert, alert);
    }

    private static ObjectNode read(String resource) {
        try (InputStream in = ContractSchemas.class.getResourceAsStream(resource)) {
            return (ObjectNode) ContractJson.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> definedFields(ObjectNode schema) {
        Set<String> names = new LinkedHashSet<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return Set.copyOf(names);
    }

    /** The writer's schema, as a reader takes it (see {@link #firstProblemToRead}). */
    private static ObjectNode toRead(RecordKind kind, ObjectNode written) {
        ObjectNode schema = written.deepCopy();
        schema.remove("$id");
        schema.remove("additionalProperties");
        if (kind == RecordKind.GAP) {
            ObjectNode reason = (ObjectNode) schema.path("properties").path("reason");
            reason.remove("enum");
            reason.put("type", "string").put("pattern", GapReason.CODE_PATTERN);
        }
        return schema;
    }

    private static List<String> messages(JsonSchema schema, JsonNode value) {
        return schema.validate(value).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
