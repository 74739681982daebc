package io.dwb.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The fields Wazuh's JSON decoder keeps of an alert, by name, as analysisd reads them: every value that is not an
 * object is one field, named by its path joined with dots, in document order; past {@code
 * analysisd.decoder_order_size} (256 by default) the rest are dropped ("Too many fields for JSON decoder"). Its cJSON
 * ends a key or a string at an escaped NUL ({@code \u0000}).
 */
public final class WazuhJsonFields {
    public static final int DECODER_ORDER_SIZE = 256;

    /** One decoded field: its name and, for a string, its text. */
    public record Field(String name, String value) {}

    private WazuhJsonFields() {}

    public static List<String> decoded(JsonNode alert) {
        return fields(alert).stream().map(Field::name).toList();
    }

    /**
     * The value a rule's {@code <field name="...">} and a description's {@code $(...)} read: analysisd's
     * {@code FindField} takes the first decoded field whose name equals {@code name} ignoring ASCII case.
     */
    public static Optional<String> find(JsonNode alert, String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        return fields(alert).stream().filter(f -> asciiLower(f.name()).equals(wanted)).findFirst().map(Field::value);
    }

    /**
     * How many fields the decoder makes of {@code alert}, those past {@link #DECODER_ORDER_SIZE} included: each one
     * past it is an ERROR line in analysisd's log.
     */
    public static int count(JsonNode alert) {
        List<Field> fields = new ArrayList<>();
        walk(alert, "", fields);
        return fields.size();
    }

    public static List<Field> fields(JsonNode alert) {
        List<Field> fields = new ArrayList<>();
        walk(alert, "", fields);
        return fields.subList(0, Math.min(fields.size(), DECODER_ORDER_SIZE));
    }

    private static void walk(JsonNode node, String parent, List<Field> fields) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = cString(field.getKey());
            String name = parent.isEmpty() ? key : parent + "." + key;
            if (field.getValue().isObject()) {
                walk(field.getValue(), name, fields);
            } else {
                fields.add(new Field(name, field.getValue().isTextual() ? cString(field.getValue().asText())
                        : field.getValue().toString()));
            }
        }
    }

    /** What C reads of a string cJSON decoded: up to its first NUL. */
    private static String cString(String text) {
        int nul = text.indexOf('\0');
        return nul < 0 ? text : text.substring(0, nul);
    }

    /** strcasecmp's folding: ASCII letters only. */
    private static String asciiLower(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return out.toString();
    }
}
