package io.dwb.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON Schemas of the contract (in {@code io/dwb/schemas/*.schema.json}), loaded once. Thread-safe.
 * Validation is for tests and for diagnosing records; the forwarder's hot path checks only what it needs.
 */
public final class ContractSchemas {
    private static final String ID_PREFIX = "https://docker-wazuh-bridge/schemas/";
    private static final String CLASSPATH_PREFIX = "classpath:io/dwb/schemas/";

    private final Map<RecordKind, JsonSchema> byKind = new EnumMap<>(RecordKind.class);
    private final JsonSchema checkpoint;
    private final JsonSchema wazuhAlert;

    public ContractSchemas() {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(ID_PREFIX, CLASSPATH_PREFIX)));
        for (RecordKind kind : RecordKind.values()) {
            byKind.put(kind, load(factory, kind.schemaResource()));
        }
        checkpoint = load(factory, "checkpoint.schema.json");
        wazuhAlert = load(factory, "wazuh-alert.schema.json");
    }

    private static JsonSchema load(JsonSchemaFactory factory, String resource) {
        return factory.getSchema(SchemaLocation.of(ID_PREFIX + resource));
    }

    /** Problems of a value on the events topic for its kind; empty when it conforms. */
    public List<String> validate(RecordKind kind, JsonNode value) {
        return messages(byKind.get(kind), value);
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
