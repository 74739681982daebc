package io.dwb.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.FailFastAssertionException;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.EnumMap;
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
    /** The same, stopping at the first problem: {@link #firstProblem}. */
    private final Map<RecordKind, JsonSchema> failFast = new EnumMap<>(RecordKind.class);
    private final JsonSchema checkpoint;
    private final JsonSchema wazuhAlert;

    public ContractSchemas() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_PREFIX, CLASSPATH_PREFIX)));
        SchemaValidatorsConfig firstOnly = SchemaValidatorsConfig.builder().failFast(true).build();
        for (RecordKind kind : RecordKind.values()) {
            byKind.put(kind, load(factory, kind.schemaResource(), SchemaValidatorsConfig.builder().build()));
            failFast.put(kind, load(factory, kind.schemaResource(), firstOnly));
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
     * messages than a 72 MB heap holds); a reader of records uses {@link #firstProblem}.
     */
    public List<String> validate(RecordKind kind, JsonNode value) {
        return messages(byKind.get(kind), value);
    }

    /**
     * The first problem the validator meets in a value on the events topic for its kind (which one, of several, is
     * the schema's order), or empty when it conforms: what a record costs to refuse does not grow with how wrong it
     * is.
     */
    public Optional<String> firstProblem(RecordKind kind, JsonNode value) {
        try {
            Set<ValidationMessage> problems = failFast.get(kind).validate(value);
            return problems.stream().map(ValidationMessage::getMessage).sorted().findFirst();
        } catch (FailFastAssertionException e) {
            return Optional.of(e.getValidationMessage().getMessage());
        }
    }

    public List<String> validateCheckpoint(JsonNode value) {
        return messages(checkpoint, value);
    }

    /** Problems of the JSON payload of a Wazuh datagram (after {@code 1:Wazuh-Docker:}). */
    public List<String> validateAlert(JsonNode alert) {
        return messages(wazuhAlert, alert);
    }

    private static List<String> messages(JsonSchema schema, JsonNode value) {
        return schema.validate(value).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
