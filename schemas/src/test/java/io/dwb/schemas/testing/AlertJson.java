package io.dwb.schemas.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads alerts as the strictest consumer would: exactly one JSON object and nothing after it, not a NUL byte, not
 * even whitespace. Jackson's default reader stops after the first value and ignores what follows, which is how a
 * trailing NUL once went unnoticed in every test.
 */
public final class AlertJson {
    /** Queue {@code 1}, location {@code Wazuh-Docker}: what every datagram starts with. */
    public static final String PREFIX = "1:Wazuh-Docker:";

    /** The most characters of a number Wazuh's cJSON (before 1.7.19) reads: a longer one fails the whole alert. */
    public static final int CJSON_NUMBER_CHARS = 63;

    /** Numbers as long as they come: {@link #CJSON_NUMBER_CHARS} is checked on their text, not their digits. */
    private static final JsonFactory UNBOUNDED = JsonFactory.builder().streamReadConstraints(
            StreamReadConstraints.builder().maxNumberLength(Integer.MAX_VALUE).build()).build();
    private static final ObjectReader STRICT = ContractJson.MAPPER.reader().with(UNBOUNDED)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private AlertJson() {}

    /** The alert of a datagram: the queue prefix, then one JSON object ending at the datagram's last byte. */
    public static ObjectNode ofDatagram(byte[] datagram) {
        byte[] prefix = PREFIX.getBytes(StandardCharsets.US_ASCII);
        if (datagram.length < prefix.length || !Arrays.equals(datagram, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new AssertionError("datagram without the queue prefix: " + text(datagram));
        }
        return of(Arrays.copyOfRange(datagram, prefix.length, datagram.length));
    }

    /** One alert: a JSON object whose last byte is its closing brace. */
    public static ObjectNode of(byte[] json) {
        if (json.length == 0 || json[json.length - 1] != '}') {
            throw new AssertionError("alert does not end with its object's '}' (last byte "
                    + (json.length == 0 ? "none" : String.valueOf(json[json.length - 1] & 0xff)) + "): "
                    + text(json));
        }
        try {
            JsonNode tree = STRICT.readTree(json);
            if (tree == null || !tree.isObject()) {
                throw new AssertionError("alert is not a JSON object: " + text(json));
            }
            longNumber(json);
            return (ObjectNode) tree;
        } catch (IOException e) {
            throw new AssertionError("alert is not exactly one JSON document: " + e.getMessage() + "\n" + text(json),
                    e);
        }
    }

    /** One {@code --wazuh-queue -} output line, without its newline. */
    public static ObjectNode ofLine(String line) {
        return of(line.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Fails on a number of over {@link #CJSON_NUMBER_CHARS} characters: cJSON's {@code parse_number} copies that many
     * into its buffer, and the next character fails the whole parse; analysisd drops the alert with a debug line.
     */
    private static void longNumber(byte[] json) throws IOException {
        try (JsonParser p = UNBOUNDED.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t.isNumeric() && p.getTextLength() > CJSON_NUMBER_CHARS) {
                    throw new AssertionError("alert has a number of " + p.getTextLength() + " characters, over the "
                            + CJSON_NUMBER_CHARS + " Wazuh's cJSON reads: analysisd drops the whole alert\n"
                            + text(json));
                }
            }
        }
    }

    private static String text(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8).replace("\0", "\\0");
        return text.length() > 2000 ? text.substring(0, 2000) + "..." : text;
    }
}
