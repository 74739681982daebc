package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The scanner, and the splitter's parser, read the identity a parsed tree gives (the scanner's is what a stand-in
 * carries when the parser refuses an event): times written as any JSON number or string, fields as any string, keys
 * escaped or not, duplicates, other fields around them. The scanner skips what is not an identity field and reads
 * plain integers without BigDecimal, so both shortcuts are held to the tree here.
 */
class EventScannerTest {
    /** As the forwarder reads an event's tree (EventFields). */
    private static final ObjectReader TREE = ContractJson.MAPPER.reader();

    @Property(tries = 2_000)
    void theScannersIdentityIsTheTreesForAnyWayOfWritingTheFields(@ForAll("events") String event)
            throws IOException {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        EventScanner scanner = new EventScanner();
        scanner.begin();
        boolean closed = false;
        for (byte b : bytes) {
            closed = scanner.step(b);
        }

        assertThat(closed).as("the object's end found").isTrue();
        assertThat(scanner.fields().identity()).isEqualTo(EventIdentity.of(TREE.readTree(bytes)));
    }

    @Property(tries = 2_000)
    void theSplittersParserReadsTheTreesIdentityToo(@ForAll("events") String event) throws IOException {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        List<CapturedEvent> split = new ArrayList<>();
        new EventSplitter("host", 1 << 20).feed((event + "\n").getBytes(StandardCharsets.UTF_8), bytes.length + 1,
                split::add);

        assertThat(split).hasSize(1);
        assertThat(split.get(0).json()).as("published as it is, not as a stand-in").isEqualTo(bytes);
        assertThat(split.get(0).identity()).isEqualTo(EventIdentity.of(TREE.readTree(bytes)));
    }

    /**
     * A stand-in's names, read by a scanner {@link EventScanner#withNames()}, are the tree's {@code
     * Actor.Attributes.name} and {@code .image} when they are strings: keys escaped or not, duplicated (the last
     * wins, of Actor and of Attributes too), the same names elsewhere (top level, in the Actor, in a label's object),
     * values of any kind.
     */
    @Property(tries = 2_000)
    void theNamesAreTheTreesForAnyWayOfWritingThem(@ForAll("eventsWithNames") String event) throws IOException {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        EventScanner scanner = EventScanner.withNames();
        scanner.begin();
        scanner.takeAll(bytes, 0, bytes.length);

        JsonNode attributes = TREE.readTree(bytes).path("Actor").path("Attributes");
        assertThat(scanner.names()).isEqualTo(new StandIn.Names(text(attributes.get("name")),
                text(attributes.get("image"))));
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    @Provide
    Arbitrary<String> eventsWithNames() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20).map(EventScannerTest::quoted);
        Arbitrary<String> value = Arbitraries.oneOf(text, text, Arbitraries.of("null", "1", "true", "{}",
                "[\"x\"]", "{\"name\":\"inner\",\"image\":\"inner\"}"));
        Arbitrary<String> entry = Combinators.combine(Arbitraries.of("name", "image", "Name", "other", "ID"),
                Arbitraries.of(true, false), value).as((name, escaped, v) -> key(name, escaped) + ":" + v);
        Arbitrary<String> attributes = Arbitraries.oneOf(entry.list().ofMaxSize(6)
                .map(entries -> "{" + String.join(",", entries) + "}"), value);
        Arbitrary<String> actorEntry = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of(true, false), attributes)
                        .as((escaped, a) -> key("Attributes", escaped) + ":" + a),
                entry);
        Arbitrary<String> actor = Arbitraries.oneOf(actorEntry.list().ofMaxSize(4)
                .map(entries -> "{" + String.join(",", entries) + "}"), value);
        Arbitrary<String> topEntry = Arbitraries.oneOf(actor.map(a -> "\"Actor\":" + a), entry,
                value.map(v -> "\"Type\":" + v));
        return topEntry.list().ofMaxSize(4).map(entries -> "{" + String.join(",", entries) + "}");
    }

    /**
     * {@code scan}, which passes over a string's bytes in a loop of its own, against {@code step} byte by byte: the
     * same bytes stopped at (closing the object, a newline, 0xFF) and the same identity, however the bytes are cut
     * into reads, for bytes made of what changes the scanner's state (quotes, escapes, brackets, keys).
     */
    @Property(tries = 2_000)
    void scanningStopsWhereSteppingByteByByteWould(@ForAll("structural") byte[] bytes,
                                                    @ForAll @IntRange(min = 1, max = 64) int readSize) {
        EventScanner stepped = new EventScanner();
        stepped.begin();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            boolean closed = stepped.step(bytes[i]);
            if (closed || bytes[i] == '\n' || bytes[i] == (byte) 0xff) {
                expected.add(i + (closed ? " closed" : ""));
            }
        }
        EventScanner scanned = new EventScanner();
        scanned.begin();
        List<String> actual = new ArrayList<>();
        for (int from = 0; from < bytes.length; from += readSize) {
            int to = Math.min(bytes.length, from + readSize);
            int stop;
            for (int at = from; at < to && (stop = scanned.scan(bytes, at, to)) >= 0; at = stop + 1) {
                actual.add(stop + (scanned.closed() ? " closed" : ""));
            }
        }

        assertThat(actual).isEqualTo(expected);
        assertThat(scanned.fields().identity()).isEqualTo(stepped.fields().identity());
    }

    @Provide
    Arbitrary<byte[]> structural() {
        Arbitrary<String> token = Arbitraries.oneOf(Arbitraries.of("{", "}", "[", "]", "\"", "\\", ":", ",", "\n", " ",
                "a", "1", "\u00e9", "\"Type\"", "\"Actor\"", "\"ID\"", "\"timeNano\"", "\"x\":\"", "\\\""),
                events());
        return token.list().ofMaxSize(40).map(tokens -> {
            byte[] text = ("{" + String.join("", tokens)).getBytes(StandardCharsets.UTF_8);
            for (int i = 1; i < text.length; i += 17) {
                text[i] = text[i] == 'a' ? (byte) 0xff : text[i]; // never in UTF-8: a byte the scan stops at
            }
            return text;
        });
    }

    @Provide
    Arbitrary<String> events() {
        Arbitrary<String> number = Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.bigIntegers().between(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE),
                        BigInteger.TEN.pow(25)).map(String::valueOf), // past a long
                Arbitraries.of("0", "-0", "1.5", "1e3", "1790000000000000000.0", "-12", "1E+2"));
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(20).map(EventScannerTest::quoted);
        Arbitrary<String> value = Arbitraries.oneOf(number, number.map(EventScannerTest::quoted), text,
                Arbitraries.of("null", "true", "{}", "[1,\"x\"]"));
        Arbitrary<String> field = Combinators.combine(Arbitraries.of("timeNano", "time", "Type", "Action", "status",
                "scope", "id"), Arbitraries.of(true, false), value)
                .as((name, escaped, v) -> key(name, escaped) + ":" + v);
        Arbitrary<String> actor = Combinators.combine(Arbitraries.of(true, false), value, text)
                .as((escaped, id, label) -> key("Actor", escaped) + ":{" + key("ID", escaped) + ":" + id
                        + ",\"Attributes\":{\"ID\":" + label + ",\"timeNano\":" + label + "}}");
        return Combinators.combine(field.list().ofMaxSize(6), actor.optional(), Arbitraries.integers().between(0, 6))
                .as((fields, a, at) -> {
                    List<String> all = new ArrayList<>(fields);
                    a.ifPresent(x -> all.add(Math.min(at, all.size()), x));
                    return "{" + String.join(",", all) + "}";
                });
    }

    private static String key(String name, boolean escaped) {
        return escaped ? "\"\\u" + String.format("%04x", (int) name.charAt(0)) + name.substring(1) + "\""
                : quoted(name);
    }

    private static String quoted(String s) {
        try {
            return ContractJson.MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
