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
 * alert, which is marked {@code truncated}; the engine's own attributes ({@link EngineAttributes#in}) never are
 * (none of them is such a key), and events of other types hold no labels. The record on the topic keeps them.
 */
final class IndexerKeys {
    /**
     * The most dot-separated parts a label key may have, 16. OpenSearch gives an object at a path of {@code d} dots
     * the depth {@code d + 2} (the document's root is 1: {@code MapperService.checkDepthLimit}) and refuses a depth
     * over {@code index.mapping.depth.limit}, 20 by default, which Wazuh's index template does not raise. A label is
     * under 4 objects, {@code data.docker.Actor.Attributes} (depths 2 to 5), and a key of {@code n} parts adds {@code
     * n - 1} more, the deepest at depth {@code 4 + n}: so {@code n <= 20 - 4} (15 dots kept, 16 left out).
     */
    static final int MAX_SEGMENTS = 20 - 4;

    private IndexerKeys() {}

    /**
     * Whether the indexer refuses a document with a field of this label key: more than {@link #MAX_SEGMENTS} parts, or
     * a part empty or only whitespace (as OpenSearch's {@code Strings.hasText} reads it). Allocates nothing.
     */
    static boolean refused(String key) {
        int segments = 1;
        boolean text = false; // whether the current part has a character other than whitespace
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '.') {
                if (!text || ++segments > MAX_SEGMENTS) {
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
     * true when one was left out. The engine's own attributes for the event's Type and Action stay, whatever their key.
     */
    static boolean leaveOut(ObjectNode event) {
        JsonNode type = event.get("Type");
        if (type == null || !EngineAttributes.labelled(type.textValue())
                || !(event.path("Actor").get("Attributes") instanceof ObjectNode attributes)) {
            return false;
        }
        EngineAttributes.Own own = EngineAttributes.in(event);
        boolean removed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (refused(key) && !own.contains(key)) {
                it.remove();
                removed = true;
            }
        }
        return removed;
    }
}
