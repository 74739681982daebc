package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields analysisd's JSON decoder makes of an alert: nested object keys joined with {@code .}, every value as
 * text. A number that is an integer fitting a C {@code int} is printed {@code %i}; any other number goes through a
 * C double and is printed {@code %f} (six decimals, the double's exact value: {@code 1795748392241090560.000000}
 * for a nanosecond time). Booleans are {@code true}/{@code false}. Arrays and nulls are left out: no rule of these
 * files matches them.
 */
public final class DecodedFields {
    private DecodedFields() {}

    public static Map<String, String> of(JsonNode alert) {
        Map<String, String> fields = new LinkedHashMap<>();
        flatten("", alert, fields);
        return fields;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(name + ".", value, into);
            } else if (value.isNumber()) {
                into.put(name, number(value));
            } else if (value.isTextual() || value.isBoolean()) {
                into.put(name, value.asText());
            }
        }
    }

    /** A JSON number as the decoder prints it. */
    static String number(JsonNode value) {
        if (value.isIntegralNumber() && value.canConvertToInt()) {
            return Integer.toString(value.intValue());
        }
        // C's %f prints the double's exact decimal value (Java's %f would print its shortest repr, then zeros).
        return new BigDecimal(value.doubleValue()).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    }
}
