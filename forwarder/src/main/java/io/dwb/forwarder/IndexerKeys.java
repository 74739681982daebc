package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Label keys Wazuh's indexer refuses. Wazuh's alerts reach the indexer (OpenSearch) with a label as the field {@code
 * data.docker.Actor.Attributes.<key>}, and OpenSearch makes an object of each dot-separated part of a field name. It
 * refuses the whole document, so the alert never reaches the indexer or its dashboards (alerts.json keeps it), when
 * <ul>
 *   <li>the objects nest deeper than the index's {@code index.mapping.depth.limit} ({@link #MAX_SEGMENTS}), or</li>
 *   <li>a part is empty or only whitespace ({@code x..y}, {@code .x}, {@code x.}, {@code " "}, {@code ""}: "object
 *   field starting or ending with a [.] makes object resolution ambiguous", "... cannot contain only whitespace",
 *   "field name cannot be an empty string").</li>
 * </ul>
 * Label keys are anyone's who may run a container, so one label hid every alert of its container from the indexer.
 * The labels of container and image events ({@link EngineAttributes#labelled}) with such a key are left out of the
 * alert, which is marked {@code truncated}; the engine's own attributes ({@link EngineAttributes#in}) are none of
 * them, and events of other types hold no labels. The record on the topic keeps them.
 */
final class IndexerKeys {
    /** OpenSearch's {@code index.mapping.depth.limit} by default, which Wazuh's index template does not raise. */
    private static final int DEPTH_LIMIT = 20;
    /**
     * The depth of an event's {@code Actor.Attributes} object in the indexed alert: the document's root is 1, then
     * {@code data}, {@code docker}, {@code Actor}, {@code Attributes}.
     */
    private static final int ATTRIBUTES_DEPTH = 5;
    /**
     * The depth of the bridge's own alerts' {@code docker_bridge} object: the root, {@code data}, {@code
     * docker_bridge}. Wazuh's decoder keeps an array as JSON text, and its alerts.json writer turns a value written
     * as an array back into one: a state alert's {@code containers}, objects in an array, are mapped as objects at
     * the array's path, their labels, annotations and network names field names there.
     */
    static final int BRIDGE_DEPTH = 3;
    /**
     * The most dot-separated parts a label key may have, 16. OpenSearch gives an object at a path of {@code d} dots
     * the depth {@code d + 2} (the document's root is 1: {@code MapperService.checkDepthLimit}) and refuses a depth
     * over {@link #DEPTH_LIMIT}. A label is a field of {@code data.docker.Actor.Attributes} ({@link #ATTRIBUTES_DEPTH}),
     * and a key of {@code n} parts adds {@code n - 1} objects below it: {@code 5 + n - 1 <= 20} (15 dots kept, 16 left
     * out).
     */
    static final int MAX_SEGMENTS = DEPTH_LIMIT - ATTRIBUTES_DEPTH + 1;

    private IndexerKeys() {}

    /**
     * Whether the indexer refuses a document with a field of this label key: more than {@link #MAX_SEGMENTS} parts, or
     * a part empty or only whitespace (as OpenSearch's {@code Strings.hasText} reads it). Allocates nothing.
     */
    static boolean refused(String key) {
        return refused(key, MAX_SEGMENTS);
    }

    /**
     * Whether a key of more than {@code maxSegments} parts, or with a part empty or only whitespace. Wazuh's JSON
     * parser ends a key at a NUL ({@code x.\u0000y} reaches the indexer as {@code x.}): what follows one is not read.
     */
    private static boolean refused(String key, int maxSegments) {
        int segments = 1;
        boolean text = false; // whether the current part has a character other than whitespace
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\0') {
                break;
            }
            if (c == '.') {
                if (!text || ++segments > maxSegments) {
                    return true;
                }
                text = false;
            } else if (!text && !Character.isWhitespace(c)) {
                text = true;
            }
        }
        return !text;
    }

    /**
     * Leaves out of a container's or an image's {@code Actor.Attributes} the labels whose key the indexer refuses;
     * true when one was left out. No engine attribute has such a key ({@code IndexerKeysTest}), so only labels go.
     */
    static boolean leaveOut(ObjectNode event) {
        JsonNode type = event.get("Type");
        if (type == null || !EngineAttributes.labelled(type.textValue())
                || !(event.path("Actor").get("Attributes") instanceof ObjectNode attributes)) {
            return false;
        }
        boolean removed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            if (refused(it.next().getKey())) {
                it.remove();
                removed = true;
            }
        }
        return removed;
    }

    /**
     * Leaves out, anywhere in {@code object} (an object at {@code depth} of the indexed alert, its arrays' objects
     * included), the fields whose key the indexer refuses there; true when one was left out. For the bridge's own
     * alerts, whose state snapshot holds what containers chose (label keys, annotation keys, network names).
     */
    static boolean leaveOutAnywhere(ObjectNode object, int depth) {
        return walk(object, depth, true);
    }

    /** Whether {@link #leaveOutAnywhere} would leave something out (it changes nothing). */
    static boolean refusedAnywhere(ObjectNode object, int depth) {
        return walk(object, depth, false);
    }

    private static boolean walk(ObjectNode object, int depth, boolean remove) {
        boolean found = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = field.getKey();
            JsonNode value = field.getValue();
            boolean nests = value.isObject() || value.isArray();
            // A leaf of n parts adds n - 1 objects; an object (or an array of them) n, its own fields below it.
            if (refused(key, DEPTH_LIMIT - depth + (nests ? 0 : 1))) {
                if (!remove) {
                    return true;
                }
                it.remove();
                found = true;
            } else if (nests) {
                found |= walkBelow(value, depth + segments(key), remove);
                if (found && !remove) {
                    return true;
                }
            }
        }
        return found;
    }

    private static boolean walkBelow(JsonNode value, int depth, boolean remove) {
        if (value instanceof ObjectNode object) {
            return walk(object, depth, remove);
        }
        boolean found = false;
        for (JsonNode element : value) { // an array: its objects mapped at its own path
            if (element.isObject() || element.isArray()) {
                found |= walkBelow(element, depth, remove);
                if (found && !remove) {
                    return true;
                }
            }
        }
        return found;
    }

    private static int segments(String key) {
        int segments = 1;
        for (int i = 0; i < key.length() && key.charAt(i) != '\0'; i++) {
            if (key.charAt(i) == '.') {
                segments++;
            }
        }
        return segments;
    }
}
