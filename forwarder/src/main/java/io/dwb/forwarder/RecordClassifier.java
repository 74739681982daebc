package io.dwb.forwarder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * Decides what a record of the events topic is: a deliverable engine event, one of the listener's own records, or
 * something for the dead-letter topic (with the reason). Checks only what delivery relies on; the event itself is
 * never changed. Not thread-safe (one per delivery loop).
 */
public final class RecordClassifier {
    /** Records above this are refused before parsing: no engine event comes near it. */
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    // Trailing bytes after the object would end up inside the alert when the value is spliced: refuse them.
    private static final ObjectReader READER = ContractJson.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ContractSchemas schemas;

    public RecordClassifier(ContractSchemas schemas) {
        this.schemas = schemas;
    }

    public Classified classify(ConsumerRecord<byte[], byte[]> record) {
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return new Classified.Invalid("empty: the record has no value");
        }
        if (value.length > MAX_RECORD_BYTES) {
            return new Classified.Invalid("too-large: " + value.length + " bytes, over the 1 MiB limit");
        }
        String kindHeader = HeaderNames.read(record.headers(), HeaderNames.KIND);
        Optional<RecordKind> kind = RecordKind.fromHeader(kindHeader);
        if (kind.isEmpty()) {
            return new Classified.Invalid("unknown-kind: '" + kindHeader + "'");
        }
        if (!validUtf8(value)) {
            return new Classified.Invalid("bad-utf8: the value is not valid UTF-8");
        }
        JsonNode tree;
        try {
            tree = READER.readTree(value);
        } catch (JsonProcessingException e) {
            return new Classified.Invalid("not-json: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Classified.Invalid("not-json: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            return new Classified.Invalid("not-object: the value is " + describe(tree) + ", not a JSON object");
        }
        ObjectNode json = (ObjectNode) tree;
        HostRef host = host(record);
        if (kind.get() != RecordKind.EVENT) {
            List<String> problems = schemas.validate(kind.get(), json);
            if (!problems.isEmpty()) {
                return new Classified.Invalid("invalid-" + kind.get().header() + ": " + String.join("; ", problems));
            }
            return new Classified.Bridge(kind.get(), json, host);
        }
        String missing = missingEventField(json);
        if (missing != null) {
            return new Classified.Invalid(missing);
        }
        String eventId = HeaderNames.read(record.headers(), HeaderNames.EVENT_ID);
        if (eventId == null) {
            eventId = EventId.of(host.id(), json);
        }
        return new Classified.Event(spliceable(value) ? value : ContractJson.write(json), json, host, eventId);
    }

    static HostRef host(ConsumerRecord<byte[], byte[]> record) {
        Headers headers = record.headers();
        String name = HeaderNames.read(headers, HeaderNames.HOST);
        String id = HeaderNames.read(headers, HeaderNames.HOST_ID);
        if (id == null && record.key() != null && record.key().length > 0 && validUtf8(record.key())) {
            id = new String(record.key(), StandardCharsets.UTF_8); // the contract's key is the host id
        }
        return new HostRef(name, id);
    }

    private static String missingEventField(ObjectNode json) {
        for (String field : new String[] {"Type", "Action"}) {
            JsonNode node = json.get(field);
            if (node == null || node.isNull()) {
                return "missing-field: " + field;
            }
            if (!node.isTextual() || node.asText().isEmpty()) {
                return "invalid-field: " + field + " must be a non-empty string";
            }
        }
        JsonNode timeNano = json.get("timeNano");
        if (timeNano == null || timeNano.isNull()) {
            return "missing-field: timeNano";
        }
        if (!timeNano.isIntegralNumber()) {
            return "invalid-field: timeNano must be an integer";
        }
        return null;
    }

    /** Compact bytes of one object can be spliced into the alert as they are; anything else is re-serialized. */
    private static boolean spliceable(byte[] value) {
        if (value[0] != '{' || value[value.length - 1] != '}') {
            return false;
        }
        for (byte b : value) {
            if (b == '\n' || b == '\r') {
                return false; // one alert per line on stdout; inside a valid JSON string these are always escaped
            }
        }
        return true;
    }

    static boolean validUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "empty";
        }
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
