package io.dwb.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fields Wazuh's JSON decoder keeps of an alert, by name, as analysisd reads them: every value that is not an
 * object is one field, named by its path joined with dots, in document order; past {@code
 * analysisd.decoder_order_size} (256 by default) the rest are dropped ("Too many fields for JSON decoder").
 */
public final class WazuhJsonFields {
    public static final int DECODER_ORDER_SIZE = 256;

    private WazuhJsonFields() {}

    public static List<String> decoded(JsonNode alert) {
        List<String> fields = new ArrayList<>();
        walk(alert, "", fields);
        return fields.subList(0, Math.min(fields.size(), DECODER_ORDER_SIZE));
    }

    private static void walk(JsonNode node, String parent, List<String> fields) {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = parent.isEmpty() ? field.getKey() : parent + "." + field.getKey();
            if (field.getValue().isObject()) {
                walk(field.getValue(), name, fields);
            } else {
                fields.add(name);
            }
        }
    }
}
