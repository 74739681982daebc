package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which labels of a container or image event go into its alert ({@code --labels}). Each label key becomes a field in
 * Wazuh and a mapped field of its indexer's daily index, whose mapping takes at most 10,000 (Wazuh's template): label
 * keys are chosen by anyone who may create a container, so a fleet's hosts can fill it, and then every alert with a
 * field new that day is refused by the indexer. The attributes the engine sets itself in that event's Type and Action
 * ({@link EngineAttributes}: a container's name and image, a die's exitCode, ...) are always kept; any other key is a
 * label, even one named as an attribute of another type's events (a container label {@code driver}, {@code type} or
 * {@code container}, which volume and network events have). Events of other types have no labels among their
 * attributes and are left as they are.
 *
 * @param all      every label (the stock wodle's alerts)
 * @param keys     label keys kept exactly
 * @param prefixes label key prefixes kept (a key given as {@code prefix*})
 */
public record LabelFilter(boolean all, Set<String> keys, List<String> prefixes) {
    public static final LabelFilter ALL = new LabelFilter(true, Set.of(), List.of());
    public static final LabelFilter NONE = new LabelFilter(false, Set.of(), List.of());

    /**
     * {@code all}, {@code none}, or comma-separated label keys, a key ending in {@code *} standing for every key
     * with that prefix.
     *
     * @throws IllegalArgumentException for an empty key or a {@code *} elsewhere than at a key's end
     */
    public static LabelFilter parse(String text) {
        String trimmed = text.trim();
        if (trimmed.equalsIgnoreCase("all")) {
            return ALL;
        }
        if (trimmed.equalsIgnoreCase("none")) {
            return NONE;
        }
        Set<String> keys = new HashSet<>();
        List<String> prefixes = new ArrayList<>();
        for (String part : trimmed.split(",", -1)) {
            String key = part.trim();
            if (key.isEmpty() || key.indexOf('*') >= 0 && key.indexOf('*') != key.length() - 1) {
                throw new IllegalArgumentException("'" + part + "' is not a label key or a key prefix ending in *");
            }
            if (key.endsWith("*")) {
                prefixes.add(key.substring(0, key.length() - 1));
            } else {
                keys.add(key);
            }
        }
        return new LabelFilter(false, Set.copyOf(keys), List.copyOf(prefixes));
    }

    /** Whether an event of this type may have attributes this filter removes. */
    boolean applies(String type) {
        return !all && EngineAttributes.labelled(type);
    }

    /**
     * Removes from {@code event}'s attributes the labels not kept: every key but those the engine sets itself for the
     * event's {@code Type} and {@code Action}; true when one was removed.
     */
    boolean filter(ObjectNode event) {
        String type = text(event.get("Type"));
        if (all || !EngineAttributes.labelled(type)
                || !(event.path("Actor").path("Attributes") instanceof ObjectNode attributes)) {
            return false;
        }
        EngineAttributes.Own own = EngineAttributes.in(type, text(event.get("Action")));
        boolean removed = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (!own.contains(key) && !kept(key)) {
                it.remove();
                removed = true;
            }
        }
        return removed;
    }

    /**
     * Removes from each container of a state snapshot ({@code containers[*].Labels}, as the engine lists them) the
     * labels not kept. A state alert's containers are objects of the indexed alert (Wazuh's alerts.json writer parses
     * an array back), so each label key is a mapped field there as an event's is.
     */
    void filterContainers(ObjectNode state) {
        if (all) {
            return;
        }
        for (JsonNode container : state.path("containers")) {
            if (container.get("Labels") instanceof ObjectNode containerLabels) {
                // Through the iterator: Jackson's retain(Collection) of a list of the kept keys is the key set's
                // retainAll, a list's contains for each key (5 s or more for one container of 83,685 labels kept,
                // again at each retry of its state alert).
                for (Iterator<Map.Entry<String, JsonNode>> it = containerLabels.fields(); it.hasNext(); ) {
                    if (!kept(it.next().getKey())) {
                        it.remove();
                    }
                }
            }
        }
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    private boolean kept(String key) {
        if (keys.contains(key)) {
            return true;
        }
        for (String prefix : prefixes) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
