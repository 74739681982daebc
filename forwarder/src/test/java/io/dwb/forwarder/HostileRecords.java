package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.ContractVersion;
import io.dwb.schemas.EventId;
import io.dwb.schemas.Gap;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.Heartbeat;
import io.dwb.schemas.RecordKind;
import io.dwb.schemas.StateSnapshot;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/**
 * Records as a hostile or broken producer writes them: the recorded engine events (and the listener's own record
 * kinds) mutated in their bytes, fields, types, sizes, depth and encoding, under forged or missing headers. A record
 * is fully determined by its {@link Recipe}, so a failing case is reproduced from the four numbers jqwik reports.
 */
final class HostileRecords {
    static final String HOST = "fuzz-host";
    static final String HOST_ID = "FUZZ:HOST:ID";
    private static final long NOW = 1_764_000_000_000_000_000L;

    /** What is done to the value. */
    enum Mutation {
        NONE, FLIP_BYTES, TRUNCATE, TRAILING_BYTES, REMOVE_FIELD, RENAME_FIELD, RETYPE_FIELD, HUGE_VALUE,
        MANY_LABELS,
        /** Hundreds or thousands of fields that are not labels (outside {@code Actor.Attributes}). */
        MANY_FIELDS,
        DEEP_NESTING, INVALID_UTF8, RAW_CONTROL_BYTES, ESCAPED_NUL, LYING_TIME, RANDOM_BYTES, EMPTY,
        /** A number written as text, which a tree cannot hold (or holds only at great cost), at a field read or not. */
        RAW_NUMBER,
        /** A comma before a closing brace or bracket: what a lenient parser takes. */
        TRAILING_COMMA
    }

    /** What is done to the key and headers. */
    enum HeaderMutation {
        AS_LISTENER, NONE_AT_ALL, KIND_FORGED, KIND_GARBAGE, HOST_ID_NOT_KEY, HUGE_HOST, EVENT_ID_FORGED, NO_KEY,
        BAD_UTF8_HEADERS, CONTRACT_VERSION_FORGED
    }

    /** The four numbers a record is made from. */
    record Recipe(int base, Mutation mutation, HeaderMutation headers, long seed) {}

    /** One generated record: what a producer wrote. */
    record Hostile(byte[] key, byte[] value, RecordHeaders headers) {
        ConsumerRecord<byte[], byte[]> consumed(String topic, long offset) {
            return new ConsumerRecord<>(topic, 0, offset, 1_000L, TimestampType.CREATE_TIME,
                    key == null ? -1 : key.length, value == null ? -1 : value.length, key, value,
                    new RecordHeaders(headers.toArray()), Optional.empty());
        }

        ProducerRecord<byte[], byte[]> produced(String topic) {
            return new ProducerRecord<>(topic, 0, 1_000L, key, value, new RecordHeaders(headers.toArray()));
        }
    }

    private final List<ObjectNode> bases = new ArrayList<>();
    private final List<RecordKind> kinds = new ArrayList<>();

    HostileRecords() {
        for (JsonNode event : TestRecords.ndjson("engine-events-api-1.45.ndjson")) {
            bases.add((ObjectNode) event);
            kinds.add(RecordKind.EVENT);
        }
        add(RecordKind.HEARTBEAT, new Heartbeat(ContractJson.rfc3339(NOW), NOW, 30, true, NOW - 5));
        add(RecordKind.GAP, new Gap(ContractJson.rfc3339(NOW - 60_000_000_000L), ContractJson.rfc3339(NOW),
                NOW - 60_000_000_000L, NOW, "queue-overflow", "fuzz", null));
        ArrayNode containers = ContractJson.MAPPER.createArrayNode();
        containers.addObject().put("Id", "c1").put("State", "running");
        add(RecordKind.STATE, new StateSnapshot(ContractJson.rfc3339(NOW), NOW, containers));
    }

    private void add(RecordKind kind, Object record) {
        bases.add((ObjectNode) ContractJson.MAPPER.valueToTree(record));
        kinds.add(kind);
    }

    int baseCount() {
        return bases.size();
    }

    /** A recipe drawn from {@code random}: for runs that are not jqwik properties (through the real broker). */
    Recipe recipe(Random random) {
        return new Recipe(random.nextInt(bases.size()),
                Mutation.values()[random.nextInt(Mutation.values().length)],
                HeaderMutation.values()[random.nextInt(HeaderMutation.values().length)], random.nextLong());
    }

    Hostile make(Recipe recipe) {
        Random random = new Random(recipe.seed());
        ObjectNode tree = bases.get(Math.floorMod(recipe.base(), bases.size())).deepCopy();
        RecordKind kind = kinds.get(Math.floorMod(recipe.base(), bases.size()));
        byte[] value = mutate(tree, recipe.mutation(), random);
        return new Hostile(key(recipe.headers()), value, headers(recipe.headers(), kind, value, random));
    }

    private static byte[] mutate(ObjectNode tree, Mutation mutation, Random random) {
        return switch (mutation) {
            case NONE -> ContractJson.write(tree);
            case FLIP_BYTES -> {
                byte[] bytes = ContractJson.write(tree);
                for (int i = 1 + random.nextInt(8); i > 0; i--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 + random.nextInt(255));
                }
                yield bytes;
            }
            case TRUNCATE -> {
                byte[] bytes = ContractJson.write(tree);
                yield java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            }
            case TRAILING_BYTES -> concat(ContractJson.write(tree), pick(random, "\0", " {}", "x", "\n{\"a\":1}",
                    "]", "\u00e9").getBytes(StandardCharsets.UTF_8));
            case REMOVE_FIELD -> {
                ObjectNode at = randomObject(tree, random);
                String name = randomField(at, random);
                if (name != null) {
                    at.remove(name);
                }
                yield ContractJson.write(tree);
            }
            case RENAME_FIELD -> {
                ObjectNode at = randomObject(tree, random);
                String name = randomField(at, random);
                if (name != null) {
                    JsonNode v = at.remove(name);
                    at.set(pick(random, name.toLowerCase(), name + "x", "", "\u0000" + name, name.toUpperCase()), v);
                }
                yield ContractJson.write(tree);
            }
            case RETYPE_FIELD -> {
                ObjectNode at = randomObject(tree, random);
                String name = randomField(at, random);
                if (name != null) {
                    at.set(name, randomValue(random));
                }
                yield ContractJson.write(tree);
            }
            case HUGE_VALUE -> {
                int size = new int[] {70_000, 300_000, 1_100_000}[random.nextInt(3)];
                ObjectNode at = random.nextBoolean() ? attributes(tree) : randomObject(tree, random);
                at.put(pick(random, "huge", "name", "image", "Action"), pick(random, "x", "é", "\"", "😀")
                        .repeat(size / 4));
                yield ContractJson.write(tree);
            }
            case MANY_LABELS -> {
                ObjectNode attributes = attributes(tree);
                int count = 1_000 + random.nextInt(9_001);
                for (int i = 0; i < count; i++) {
                    attributes.put("label." + i + "." + random.nextInt(1000), "v".repeat(random.nextInt(150)));
                }
                yield ContractJson.write(tree);
            }
            case MANY_FIELDS -> {
                ObjectNode at = random.nextBoolean() ? tree : tree.putObject(pick(random, "extra", "Extra"));
                int count = 100 + random.nextInt(6_001);
                for (int i = 0; i < count; i++) {
                    if (random.nextBoolean()) {
                        at.put("f" + i, "");
                    } else {
                        at.put("f" + i, i);
                    }
                }
                yield ContractJson.write(tree);
            }
            case DEEP_NESTING -> {
                int depth = new int[] {10, 500, 999, 1_001, 5_000}[random.nextInt(5)];
                String open = random.nextBoolean() ? "[" : "{\"a\":";
                String close = open.equals("[") ? "]" : "}";
                String deep = open.repeat(depth) + "1" + close.repeat(depth);
                String json = new String(ContractJson.write(tree), StandardCharsets.UTF_8);
                yield (json.substring(0, json.length() - 1) + ",\"deep\":" + deep + "}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case INVALID_UTF8 -> insideAString(ContractJson.write(tree), random, pick(random,
                    new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                    new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
            case RAW_CONTROL_BYTES -> insideAString(ContractJson.write(tree), random, pick(random,
                    new byte[] {0}, new byte[] {'\n'}, new byte[] {0x1B}, new byte[] {0x7F}));
            case ESCAPED_NUL -> {
                attributes(tree).put("nul", "a\u0000b\u0001c\u2028");
                yield ContractJson.write(tree);
            }
            case LYING_TIME -> {
                String field = pick(random, "timeNano", "time", "fromNano", "toNano", "intervalSeconds");
                tree.set(field, pick(random, JsonNodeFactory.instance.numberNode(Long.MAX_VALUE),
                        JsonNodeFactory.instance.numberNode(Long.MIN_VALUE), JsonNodeFactory.instance.numberNode(0L),
                        JsonNodeFactory.instance.numberNode(-1L), JsonNodeFactory.instance.numberNode(random.nextLong()),
                        JsonNodeFactory.instance.numberNode(BigInteger.TEN.pow(30))));
                yield ContractJson.write(tree);
            }
            case RANDOM_BYTES -> {
                byte[] bytes = new byte[random.nextInt(4096)];
                random.nextBytes(bytes);
                yield bytes;
            }
            case EMPTY -> random.nextBoolean() ? null : new byte[0];
            case RAW_NUMBER -> {
                String number = pick(random, "1e38650953348902859", "-1e-2147483649", "1e200000", "1.5e999999999",
                        "9".repeat(1001), "-" + "9".repeat(999), "1" + "0".repeat(400) + ".5", "1e-400", "2e308",
                        "-0", "0e0", "123456789012345678901234567890");
                String field = pick(random, "timeNano", "time", "fromNano", "toNano", "intervalSeconds", "id", "x");
                String json = new String(ContractJson.write(tree), StandardCharsets.UTF_8);
                String member = "\"" + field + "\":" + number;
                // At the end of the root (a duplicate of a field there, if it exists: not-json), or as the value of
                // a label.
                yield (random.nextBoolean() || !json.contains("\"Attributes\":{\"")
                        ? json.substring(0, json.length() - 1) + "," + member + "}"
                        : json.replace("\"Attributes\":{", "\"Attributes\":{" + member + ","))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case TRAILING_COMMA -> {
                String json = new String(ContractJson.write(tree), StandardCharsets.UTF_8);
                yield (random.nextBoolean() ? json.substring(0, json.length() - 1) + ",}"
                        : json.replaceFirst("([}\\]])", ",$1")).getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    private static byte[] key(HeaderMutation mutation) {
        return mutation == HeaderMutation.NO_KEY || mutation == HeaderMutation.NONE_AT_ALL ? null
                : HeaderNames.utf8(HOST_ID);
    }

    private static RecordHeaders headers(HeaderMutation mutation, RecordKind kind, byte[] value, Random random) {
        RecordHeaders headers = new RecordHeaders();
        if (mutation == HeaderMutation.NONE_AT_ALL) {
            return headers;
        }
        headers.add(HeaderNames.HOST, HeaderNames.utf8(mutation == HeaderMutation.HUGE_HOST ? "h".repeat(100_000)
                : HOST));
        headers.add(HeaderNames.HOST_ID, HeaderNames.utf8(mutation == HeaderMutation.HOST_ID_NOT_KEY
                ? "SOMEONE:ELSE" : HOST_ID));
        if (kind == RecordKind.EVENT) {
            headers.add(HeaderNames.EVENT_ID, HeaderNames.utf8(mutation == HeaderMutation.EVENT_ID_FORGED
                    ? pick(random, "", "x".repeat(10_000), "0123456789abcdef0123456789abcdef") : eventId(value)));
        }
        String kindHeader = switch (mutation) {
            case KIND_FORGED -> RecordKind.values()[random.nextInt(RecordKind.values().length)].header();
            case KIND_GARBAGE -> pick(random, "", "EVENT", "checkpoint", "x".repeat(5_000));
            default -> kind.header();
        };
        headers.add(HeaderNames.KIND, HeaderNames.utf8(kindHeader));
        headers.add(HeaderNames.CONTRACT_VERSION, mutation == HeaderMutation.CONTRACT_VERSION_FORGED
                ? HeaderNames.utf8(pick(random, "2", "0", "", "-1", "1 ", "99999999999", "9".repeat(5_000)))
                : ContractVersion.header(kind));
        if (mutation == HeaderMutation.BAD_UTF8_HEADERS) {
            headers.remove(HeaderNames.HOST).add(HeaderNames.HOST, new byte[] {(byte) 0xFF, (byte) 0xFE});
            headers.add(HeaderNames.HOST_ID, new byte[] {(byte) 0xC3, 0x28});
        }
        return headers;
    }

    /** The listener's event id when the value is an event it could have read; else one it never computes. */
    private static String eventId(byte[] value) {
        try {
            return EventId.of(HOST_ID, ContractJson.tree(value));
        } catch (Exception e) {
            return "ffffffffffffffffffffffffffffffff";
        }
    }

    private static ObjectNode attributes(ObjectNode tree) {
        JsonNode actor = tree.path("Actor");
        ObjectNode actorObject = actor.isObject() ? (ObjectNode) actor : tree.putObject("Actor");
        JsonNode attributes = actorObject.path("Attributes");
        return attributes.isObject() ? (ObjectNode) attributes : actorObject.putObject("Attributes");
    }

    private static ObjectNode randomObject(ObjectNode tree, Random random) {
        List<ObjectNode> objects = new ArrayList<>();
        collect(tree, objects);
        return objects.get(random.nextInt(objects.size()));
    }

    private static void collect(JsonNode node, List<ObjectNode> objects) {
        if (node instanceof ObjectNode object) {
            objects.add(object);
        }
        for (JsonNode child : node) {
            collect(child, objects);
        }
    }

    private static String randomField(ObjectNode object, Random random) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names.isEmpty() ? null : names.get(random.nextInt(names.size()));
    }

    private static JsonNode randomValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(9)) {
            case 0 -> f.numberNode(random.nextLong());
            case 1 -> f.numberNode(BigInteger.TEN.pow(40));
            case 2 -> f.numberNode(random.nextDouble());
            case 3 -> f.booleanNode(random.nextBoolean());
            case 4 -> f.nullNode();
            case 5 -> f.arrayNode().add(1).add("two");
            case 6 -> f.objectNode().put("nested", true);
            case 7 -> f.textNode("");
            default -> f.textNode("\uD83D\uDE00\u0000\"\\");
        };
    }

    private static byte[] insideAString(byte[] json, Random random, byte[] insert) {
        List<Integer> quotes = new ArrayList<>();
        for (int i = 0; i < json.length; i++) {
            if (json[i] == '"') {
                quotes.add(i);
            }
        }
        int at = quotes.isEmpty() ? 0 : quotes.get(random.nextInt(quotes.size())) + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + insert.length);
        out.write(json, 0, at);
        out.writeBytes(insert);
        out.write(json, at, json.length - at);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
