package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The recorded engine stream (schemas' engine-events.ndjson) through {@link EventSplitter}: split at every byte
 * position, and mutated (bytes flipped, deleted, inserted; lines cut or replaced by random bytes; NUL, invalid UTF-8,
 * nesting 5,000 deep, a 60,000-character key, an oversize value, numbers a tree refuses inserted). Whatever the
 * bytes: no exception, lines do not affect each other, a line that is one valid event is published as it is,
 * anything else as stand-ins or nothing (a line not starting an object), and everything published is one JSON object
 * the contract's parser reads.
 * The number of cases is jqwik.tries.default in src/test/resources/junit-platform.properties (300); the full run:
 * {@code -Djqwik.tries.default=100000}.
 */
class EventSplitterFuzzTest {
    private static final String HOST_ID = "fuzz-host";
    /** Small, so that an oversize value is cheap to make. */
    private static final int MAX_EVENT_BYTES = 8_192;
    private static final List<byte[]> RECORDED = recorded();
    /**
     * The contract's parser, strict: one document, nothing after it (integers of any size: a mutated digit can make
     * one longer than 64 bits).
     */
    private static final ObjectReader STRICT = ContractJson.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<byte[]> HOSTILE = List.of(
            "\"nul\":\"a\u0000b\"".getBytes(StandardCharsets.UTF_8),
            new byte[] {'"', 'u', '"', ':', '"', (byte) 0xff, (byte) 0xc3, (byte) 0x28, '"'},
            ("\"deep\":" + "[".repeat(5_000) + "]".repeat(5_000)).getBytes(StandardCharsets.UTF_8),
            ("\"" + "k".repeat(60_000) + "\":\"v\"").getBytes(StandardCharsets.UTF_8),
            ("\"pad\":\"" + "p".repeat(MAX_EVENT_BYTES) + "\"").getBytes(StandardCharsets.UTF_8),
            "\"esc\":\"\\u00e9\\\"\\\\\"".getBytes(StandardCharsets.UTF_8),
            "\"n\":1e38650953348902859".getBytes(StandardCharsets.UTF_8));
    /** Times a tree makes no integer of, or cannot read; last in the event, so that they are the ones read. */
    private static final List<byte[]> HOSTILE_TIMES = List.of(
            "\"timeNano\":1e200000".getBytes(StandardCharsets.UTF_8),
            "\"time\":1e38650953348902859".getBytes(StandardCharsets.UTF_8),
            "\"timeNano\":-17.5e-3".getBytes(StandardCharsets.UTF_8));

    @Example
    void theRecordedStreamSplitAtEveryBytePositionGivesEveryEventExactlyOnce() {
        byte[] body = join(RECORDED);
        for (int at = 0; at <= body.length; at++) {
            List<CapturedEvent> events = new ArrayList<>();
            EventSplitter splitter = new EventSplitter(HOST_ID, MAX_EVENT_BYTES);
            splitter.feed(Arrays.copyOfRange(body, 0, at), at, events::add);
            byte[] rest = Arrays.copyOfRange(body, at, body.length);
            splitter.feed(rest, rest.length, events::add);
            assertThat(events).as("split at %d", at).extracting(e -> new String(e.json(), StandardCharsets.UTF_8))
                    .containsExactlyElementsOf(RECORDED.stream().map(e -> new String(e, StandardCharsets.UTF_8))
                            .toList());
        }
    }

    @Property
    void mutatedStreamsNeverStopTheSplitterAndEveryLineGivesWhatItHolds(
            @ForAll("mutatedStreams") List<byte[]> lines, @ForAll("readSizes") int readSize) throws IOException {
        List<String> whole = texts(split(join(lines), readSize));
        List<String> lineByLine = new ArrayList<>();
        for (byte[] line : lines) {
            List<CapturedEvent> ofLine = split(join(List.of(line)), readSize);
            lineByLine.addAll(texts(ofLine));
            byte[] trimmed = trim(line);
            if (isValidEvent(trimmed)) {
                assertThat(ofLine).as("a valid event, published as it is").hasSize(1);
                assertThat(ofLine.get(0).json()).isEqualTo(trimmed);
            } else if (trimmed.length > 0 && trimmed[0] == '{') {
                assertThat(ofLine).as("a line that starts an event gives at least a stand-in").isNotEmpty();
            }
            for (CapturedEvent e : ofLine) {
                JsonNode json = STRICT.readTree(e.json());
                assertThat(json.isObject()).isTrue();
                boolean standIn = json.path("truncated").asBoolean(false) && json.has("originalSize");
                assertThat(standIn || contains(line, e.json())).as("a stand-in or the line's own bytes").isTrue();
                assertThat(e.json().length).isLessThanOrEqualTo(MAX_EVENT_BYTES);
            }
        }
        assertThat(whole).as("lines do not affect each other").isEqualTo(lineByLine);
    }

    @Provide
    Arbitrary<List<byte[]>> mutatedStreams() {
        return Arbitraries.of(RECORDED).flatMap(EventSplitterFuzzTest::mutated).list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<Integer> readSizes() {
        return Arbitraries.integers().between(1, 20_000);
    }

    private static Arbitrary<byte[]> mutated(byte[] e) {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, e.length - 1);
        Arbitrary<Byte> notNewline = Arbitraries.bytes().filter(b -> b != '\n');
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(e)),
                net.jqwik.api.Tuple.of(3, Combinators.combine(position, notNewline).as((p, b) -> {
                    byte[] m = e.clone();
                    m[p] = b;
                    return m;
                })),
                net.jqwik.api.Tuple.of(2, position.map(p -> concat(Arrays.copyOf(e, p),
                        Arrays.copyOfRange(e, p + 1, e.length)))),
                net.jqwik.api.Tuple.of(2, Combinators.combine(position, notNewline.array(byte[].class).ofMaxSize(8))
                        .as((p, bytes) -> concat(Arrays.copyOf(e, p), bytes, Arrays.copyOfRange(e, p, e.length)))),
                net.jqwik.api.Tuple.of(1, position.map(p -> Arrays.copyOf(e, p))),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(HOSTILE).map(h -> withAttribute(e, h))),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(HOSTILE_TIMES).map(h -> withLastAttribute(e, h))),
                net.jqwik.api.Tuple.of(1, notNewline.array(byte[].class).ofMaxSize(64)));
    }

    /** The event with {@code attribute} first in its object (a label, for the engine). */
    private static byte[] withAttribute(byte[] e, byte[] attribute) {
        return concat(new byte[] {'{'}, attribute, new byte[] {','}, Arrays.copyOfRange(e, 1, e.length));
    }

    /** The event with {@code attribute} last in its object: a duplicate key's last value is the one read. */
    private static byte[] withLastAttribute(byte[] e, byte[] attribute) {
        int end = e.length - 1;
        while (end > 0 && e[end] != '}') {
            end--;
        }
        return concat(Arrays.copyOf(e, end), new byte[] {','}, attribute, Arrays.copyOfRange(e, end, e.length));
    }

    private static boolean isValidEvent(byte[] line) {
        if (line.length == 0 || line[0] != '{' || line.length > MAX_EVENT_BYTES) {
            return false;
        }
        try {
            // Valid UTF-8 too: the blocking parser lets invalid UTF-8 in a name through, the listener does not.
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(line));
            JsonNode tree = STRICT.readTree(line);
            EventIdentity.of(tree); // refused for a time of 1e200000: its integer would have 200,001 digits
            return tree.isObject();
        } catch (IOException | NumberFormatException e) { // the latter for 1e38650953348902859
            return false;
        }
    }

    private static List<CapturedEvent> split(byte[] body, int readSize) {
        EventSplitter splitter = new EventSplitter(HOST_ID, MAX_EVENT_BYTES,
                new StandInReport(reason -> { }, System::nanoTime, Duration.ofHours(1)), System::nanoTime);
        List<CapturedEvent> out = new ArrayList<>();
        byte[] read = new byte[readSize];
        for (int at = 0; at < body.length; at += readSize) {
            int n = Math.min(readSize, body.length - at);
            System.arraycopy(body, at, read, 0, n);
            splitter.feed(read, n, out::add);
        }
        try {
            splitter.end();
        } catch (IOException e) {
            throw new AssertionError("every line ends with a newline: no event may be open at the end", e);
        }
        return out;
    }

    private static List<String> texts(List<CapturedEvent> events) {
        return events.stream().map(e -> new String(e.json(), StandardCharsets.ISO_8859_1)).toList();
    }

    private static byte[] trim(byte[] line) {
        int from = 0;
        int to = line.length;
        while (from < to && EventScanner.whitespace(line[from])) {
            from++;
        }
        while (to > from && EventScanner.whitespace(line[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(line, from, to);
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(new String(needle,
                StandardCharsets.ISO_8859_1));
    }

    private static byte[] join(List<byte[]> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.writeBytes(line);
            out.write('\n');
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static List<byte[]> recorded() {
        try (InputStream in = EventSplitterFuzzTest.class.getResourceAsStream("/io/dwb/schemas/engine-events.ndjson")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.isBlank()).map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
