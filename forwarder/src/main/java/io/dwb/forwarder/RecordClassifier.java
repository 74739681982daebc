package io.dwb.forwarder;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.runtime.LogText;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractSchemas;
import io.dwb.schemas.ContractVersion;
import io.dwb.schemas.EpochNanos;
import io.dwb.schemas.EventId;
import io.dwb.schemas.GapReason;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Decides what a record of the events topic is: a deliverable engine event, one of the listener's own records, or
 * something for the dead-letter topic (with the reason). Checks only what delivery relies on; the event itself is
 * never changed. Not thread-safe (one per delivery loop). Not final only so that a test can make it fail the way a
 * bug would.
 */
public class RecordClassifier {
    // Trailing bytes after the object would end up inside the alert when the value is spliced: refuse them.
    private static final ObjectReader READER = ContractJson.MAPPER.reader().with(EventFields.FACTORY)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final byte[] EVENT_KIND = HeaderNames.utf8(RecordKind.EVENT.header());
    private static final Optional<RecordKind> EVENT = Optional.of(RecordKind.EVENT);

    private final ContractSchemas schemas;
    private final HostRefs hosts = new HostRefs();

    public RecordClassifier(ContractSchemas schemas) {
        this.schemas = schemas;
    }

    public Classified classify(ConsumerRecord<byte[], byte[]> record) {
        if (record instanceof UnreadableRecord unreadable) {
            return new Classified.Invalid(DeadLetterReason.UNREADABLE, unreadable.detail());
        }
        Header kindHeader = record.headers().lastHeader(HeaderNames.KIND);
        Optional<RecordKind> kind = isEvent(kindHeader) ? EVENT : RecordKind.fromHeader(text(kindHeader));
        // Before anything else: its shape is not this build's (a kind this build does not know, of a version above
        // any it reads, is a newer listener's too)
        if (!ContractVersion.readable(kind.orElse(null), record.headers())) {
            return newerContract(record, kind.orElse(null));
        }
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return new Classified.Invalid(DeadLetterReason.EMPTY, "the record has no value");
        }
        if (value.length > StandIn.MAX_VALUE_BYTES) { // refused before parsing; the listener sends a stand-in instead
            return new Classified.Invalid(DeadLetterReason.TOO_LARGE, value.length + " bytes, over the 1 MiB limit");
        }
        if (kind.isEmpty()) {
            return new Classified.Invalid(DeadLetterReason.UNKNOWN_KIND, "'" + quote(text(kindHeader)) + "'");
        }
        if (!Utf8.valid(value)) {
            return new Classified.Invalid(DeadLetterReason.BAD_UTF8, "the value is not valid UTF-8");
        }
        Classified.Invalid forged = hostMismatch(record);
        if (forged == null) {
            forged = oversizeHost(record);
        }
        if (forged != null) {
            return forged;
        }
        if (kind.get() == RecordKind.EVENT) {
            try {
                return event(record, value, EventFields.read(value));
            } catch (StreamConstraintsException e) {
                return new Classified.Invalid(DeadLetterReason.TOO_COMPLEX, e.getOriginalMessage());
            } catch (NumberFormatException e) {
                return beyondBigDecimal(e);
            } catch (IOException | EventFields.NotAnObject e) {
                // Not an object: the tree says what it is instead, in the words it always used.
            }
        }
        return classifyTree(record, value, kind.get());
    }

    /** An event whose value {@link EventFields#read read} as one object: no tree is built for it. */
    private Classified event(ConsumerRecord<byte[], byte[]> record, byte[] value, EventFields fields) {
        HostRef host = hosts.of(record);
        Classified.Invalid missing = missingEventField(fields);
        if (missing != null) {
            return missing;
        }
        String eventId = HeaderNames.read(record.headers(), HeaderNames.EVENT_ID);
        if (spliceable(value) && eventId != null) {
            return new Classified.Event(value, fields, host, eventId);
        }
        // Rare (another producer than the listener): the tree gives the id's fields and the compact bytes.
        ObjectNode json = parse(value); // every number in it was decoded once already, by EventFields.read
        return new Classified.Event(spliceable(value) ? value : ContractJson.write(json), fields, host,
                eventId != null ? eventId : EventId.of(host.id(), json));
    }

    /** Bridge records (schema-checked trees), and the reasons for a value that is no JSON object. */
    private Classified classifyTree(ConsumerRecord<byte[], byte[]> record, byte[] value, RecordKind kind) {
        JsonNode tree;
        try {
            tree = READER.readTree(value);
        } catch (StreamConstraintsException e) {
            return new Classified.Invalid(DeadLetterReason.TOO_COMPLEX, e.getOriginalMessage());
        } catch (NumberFormatException e) {
            return beyondBigDecimal(e);
        } catch (JsonProcessingException e) {
            return new Classified.Invalid(DeadLetterReason.NOT_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            return new Classified.Invalid(DeadLetterReason.NOT_JSON, e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            return new Classified.Invalid(DeadLetterReason.NOT_OBJECT,
                    "the value is " + describe(tree) + ", not a JSON object");
        }
        ObjectNode json = (ObjectNode) tree;
        if (kind == RecordKind.EVENT) {
            // The streaming pass refused what the tree took: never expected, but the tree decides.
            return event(record, value, EventFields.of(json));
        }
        HostRef host = hosts.of(record);
        // The first problem only: all of them, sorted and joined, grew with the record (a 300 KB state ran a 72 MB
        // heap out, at the same offset at every restart). As a reader: a newer listener's fields and gap reasons
        // are taken (ContractVersion), what this forwarder knows is as strict as the listener writes it.
        Optional<String> problem = schemas.firstProblemToRead(kind, json);
        if (problem.isPresent()) {
            return new Classified.Invalid(DeadLetterReason.invalid(kind), problem.get());
        }
        if (kind == RecordKind.GAP && json.path("toNano").asLong() < json.path("fromNano").asLong()) {
            return new Classified.Invalid(DeadLetterReason.OUT_OF_RANGE, "the gap ends (toNano) before it starts");
        }
        List<String> leftOut = schemas.leaveOutUnknownFields(kind, json);
        String reason = kind == RecordKind.GAP ? json.path("reason").asText() : null;
        return new Classified.Bridge(kind, json, host, NewerParts.of(leftOut, GapReason.known(reason) ? null : reason));
    }

    /**
     * A record whose {@code contract-version} this forwarder does not read: a listener newer than it changed that
     * record's shape in a way it would misread. Kept whole in the dead-letter topic, to publish again once the
     * forwarders are upgraded.
     */
    private static Classified.Invalid newerContract(ConsumerRecord<byte[], byte[]> record, RecordKind kind) {
        return new Classified.Invalid(DeadLetterReason.NEWER_CONTRACT, "contract-version '"
                + quote(text(record.headers().lastHeader(HeaderNames.CONTRACT_VERSION))) + "', and this forwarder "
                + "reads up to " + (kind == null ? ContractVersion.CURRENT : ContractVersion.current(kind))
                + ": a listener newer than the forwarders wrote it (or "
                + "someone else who may write the topic); "
                + "upgrade the forwarders, then publish the dead letters again (docs/forwarder.md, Dead-letter "
                + "topic)");
    }

    /**
     * A record whose {@code host-id} header and key name different hosts: which one would the alert, the duplicate
     * window and the silent-host watch believe? The listener always writes both the same.
     */
    private static Classified.Invalid hostMismatch(ConsumerRecord<byte[], byte[]> record) {
        Header hostId = record.headers().lastHeader(HeaderNames.HOST_ID);
        if (hostId == null || hostId.value() == null || record.key() == null
                || Arrays.equals(hostId.value(), record.key())) {
            return null;
        }
        return new Classified.Invalid(DeadLetterReason.HOST_MISMATCH, "header host-id '" + quote(text(hostId))
                + "' is not the record key '" + quote(new String(record.key(), StandardCharsets.UTF_8)) + "'");
    }

    /**
     * A host name or id longer than any host has: the silent-host watch would keep it per host (a megabyte a record,
     * with a new id each, filled the heap in forty heartbeats), and its alerts would not fit a datagram.
     */
    private static Classified.Invalid oversizeHost(ConsumerRecord<byte[], byte[]> record) {
        Header hostId = record.headers().lastHeader(HeaderNames.HOST_ID);
        Header host = record.headers().lastHeader(HeaderNames.HOST);
        // The key stands for a missing id, or one without a value (as HostRefs reads it).
        boolean fromHeader = hostId != null && hostId.value() != null;
        byte[] id = fromHeader ? hostId.value() : record.key();
        if (id != null && id.length > HeaderNames.MAX_HOST_BYTES) {
            return oversizeHost(fromHeader ? "header host-id" : "key", id.length);
        }
        if (host != null && host.value() != null && host.value().length > HeaderNames.MAX_HOST_BYTES) {
            return oversizeHost("header host", host.value().length);
        }
        return null;
    }

    private static Classified.Invalid oversizeHost(String which, int length) {
        return new Classified.Invalid(DeadLetterReason.INVALID_HOST, which + " of " + length + " bytes, over the "
                + HeaderNames.MAX_HOST_BYTES + " a host's name or id may have");
    }

    /** Text from a record for the error header: whoever wrote the record chose its length. */
    private static String quote(String text) {
        return LogText.bounded(text, 100);
    }

    private static boolean isEvent(Header kindHeader) {
        return kindHeader == null || Arrays.equals(kindHeader.value(), EVENT_KIND);
    }

    private static String text(Header header) {
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static ObjectNode parse(byte[] value) {
        return EventFields.tree(value);
    }

    /**
     * A number Jackson has no BigDecimal for (an exponent beyond an int: {@code 1e38650953348902859}): its parser
     * throws this unchecked exception rather than a parse error, and the record would otherwise stop the loop.
     */
    private static Classified.Invalid beyondBigDecimal(NumberFormatException e) {
        return new Classified.Invalid(DeadLetterReason.TOO_COMPLEX, e.getMessage());
    }

    private static Classified.Invalid missingEventField(EventFields fields) {
        Classified.Invalid problem = stringField("Type", fields.typePresence(), fields.type());
        if (problem == null) {
            problem = stringField("Action", fields.actionPresence(), fields.action());
        }
        if (problem == null && fields.timeNanoPresence() == EventFields.Presence.MISSING) {
            problem = new Classified.Invalid(DeadLetterReason.MISSING_FIELD, "timeNano");
        }
        if (problem == null && fields.timeNanoPresence() == EventFields.Presence.OTHER) {
            problem = new Classified.Invalid(DeadLetterReason.INVALID_FIELD, "timeNano must be an integer");
        }
        if (problem == null && fields.wrongType() != null) {
            problem = new Classified.Invalid(DeadLetterReason.INVALID_FIELD, fields.wrongType());
        }
        if (problem == null && !EpochNanos.inRange(fields.timeNano())) {
            problem = new Classified.Invalid(DeadLetterReason.OUT_OF_RANGE, "timeNano " + fields.timeNano()
                    + " is not a time between 2000 and 2100");
        }
        return problem;
    }

    private static Classified.Invalid stringField(String name, EventFields.Presence presence, String value) {
        if (presence == EventFields.Presence.MISSING) {
            return new Classified.Invalid(DeadLetterReason.MISSING_FIELD, name);
        }
        if (presence == EventFields.Presence.OTHER || value.isEmpty()) {
            return new Classified.Invalid(DeadLetterReason.INVALID_FIELD, name + " must be a non-empty string");
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
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
