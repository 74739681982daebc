package io.dwb.schemas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ValueNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/** The one JSON configuration both stages use for the contract's records. */
public final class ContractJson {
    /**
     * The most digits a number of the contract may have. Wazuh's JSON reader (cJSON before 1.7.19, which analysisd
     * bundles) reads at most 63 characters of a number, and a longer one fails the whole alert, which analysisd then
     * drops with a debug line only, after the forwarder counted it sent. Jackson counts a number's digits, not its
     * sign, point, {@code e} and exponent's sign, and a number read into a tree is written again in BigDecimal's form,
     * which may add zeros ({@code -9.9e-6} is {@code -0.0000099}): 56 digits are at most 63 characters either way
     * ({@code ContractTest}). The engine writes at most 19 (its times); a record with more is a dead letter {@code
     * too-complex}, an event read from the engine a stand-in.
     */
    public static final int MAX_NUMBER_DIGITS = 56;

    /** Thread-safe once built; never reconfigured. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNumberLength(MAX_NUMBER_DIGITS).build())
                    // Field names come from whoever labels a container: String.intern of thousands of distinct
                    // label names was most of the time spent on such an event, and fills the JVM's string table.
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    // Nor a table of the names read: the factory's table lives as long as the process and keeps up to
                    // 6,000 names of up to 50,000 characters (events of twenty new 45,000-character label keys ran
                    // the forwarder's 72 MB heap out; a writer of another host's checkpoints could do it to a
                    // listener's lookup).
                    .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES).build())
            // timeNano does not fit a double: keep integers and decimals exact.
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(new LongIntegers())
            .build();

    private ContractJson() {}

    /**
     * Integers in trees as longs, read or built, so that a tree read equals one built with the same values; one
     * beyond 64 bits as the number it is. (Jackson's {@code USE_LONG_FOR_INTS} did the first by forcing every
     * integer into a long, which failed on the whole document when one was larger.)
     */
    private static final class LongIntegers extends JsonNodeFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public NumericNode numberNode(int v) {
            return LongNode.valueOf(v);
        }

        @Override
        public ValueNode numberNode(Integer v) {
            return v == null ? nullNode() : LongNode.valueOf(v);
        }
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serializable as JSON: " + value, e);
        }
    }

    public static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public static JsonNode tree(byte[] json) throws IOException {
        return MAPPER.readTree(json);
    }

    /**
     * At most the first {@code maxChars} chars of {@code text}, never ending between the two chars of a pair: a lone
     * half is no character (Jackson writes it as an escape no UTF-8 text has), and the forwarder dead-letters the
     * record that holds one. Null stays null.
     */
    public static String prefix(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        return text.substring(0, Character.isHighSurrogate(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars);
    }

    /** RFC 3339 with nanoseconds, UTC, for a time in nanoseconds since the epoch. */
    public static String rfc3339(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)).toString();
    }

    public static long epochNanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /** The wall clock now, nanoseconds since the epoch: the clock the listener and the forwarder are given. */
    public static long epochNanosNow() {
        return epochNanos(Instant.now());
    }
}
