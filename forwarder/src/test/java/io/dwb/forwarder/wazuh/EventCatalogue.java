package io.dwb.forwarder.wazuh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The kinds of engine events, as Docker Engine 29 sends them: the first event of each Type and Action (the action
 * before any {@code ": "} argument) recorded from a real engine by {@code record-engine-events.sh}, with the
 * {@code status}, {@code id} and {@code from} fields Engine 29 no longer sends taken out; plus a few kinds the
 * recording could not cause here (no registry, no OOM, no terminal), each derived from a recorded event of its type
 * with the Action and attributes moby gives it.
 */
public final class EventCatalogue {
    static final String RECORDING = "/io/dwb/forwarder/engine-events-api-1.45.ndjson";

    /** One kind: {@code variant} says what sets it apart from another of the same action; {@code recorded} is false
     *  when it was derived from a recorded event. */
    public record Kind(String type, String action, String variant, boolean recorded, ObjectNode engine29Event) {}

    private EventCatalogue() {}

    public static List<Kind> kinds() {
        Map<String, ObjectNode> first = new LinkedHashMap<>();
        for (ObjectNode event : recording()) {
            String action = event.path("Action").asText();
            int colon = action.indexOf(':');
            first.putIfAbsent(event.path("Type").asText() + " " + (colon < 0 ? action : action.substring(0, colon)),
                    engine29(event));
        }
        List<Kind> kinds = new ArrayList<>();
        first.values().forEach(e ->
                kinds.add(new Kind(e.path("Type").asText(), e.path("Action").asText(), "", true, e)));
        ObjectNode container = first.get("container start");
        ObjectNode image = first.get("image tag");
        ObjectNode plugin = first.get("plugin create");
        ObjectNode node = first.get("node update");
        // `docker exec -it c sh`: moby writes "exec_start: " + entrypoint + " " + args joined, so a trailing space
        kinds.add(derived(container, "exec_start: sh ", "a shell", a -> a.put("execID", "0123abcd")));
        kinds.add(derived(container, "oom", "", a -> { }));
        kinds.add(derived(container, "resize", "", a -> a.put("height", "40").put("width", "120")));
        kinds.add(derived(container, "checkpoint", "", a -> { }));
        kinds.add(derived(image, "pull", "", a -> a.put("name", "busybox:1")));
        kinds.add(derived(image, "push", "", a -> a.put("name", "registry.example:5000/app:1")));
        for (String action : List.of("pull", "enable", "disable")) {
            kinds.add(derived(plugin, action, "", a -> { }));
        }
        kinds.add(derived(node, "update", "a role change",
                a -> a.put("role.old", "worker").put("role.new", "manager")));
        return kinds;
    }

    private static Kind derived(ObjectNode from, String action, String variant, Consumer<ObjectNode> attributes) {
        ObjectNode event = from.deepCopy();
        event.put("Action", action);
        attributes.accept((ObjectNode) event.get("Actor").get("Attributes"));
        return new Kind(event.path("Type").asText(), action, variant, false, event);
    }

    /** What Engine 29 (API 1.52) sends: the event without the deprecated fields. */
    static ObjectNode engine29(ObjectNode event) {
        ObjectNode copy = event.deepCopy();
        copy.remove(List.of("status", "id", "from"));
        return copy;
    }

    static List<ObjectNode> recording() {
        try (InputStream in = EventCatalogue.class.getResourceAsStream(RECORDING)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + RECORDING);
            }
            List<ObjectNode> events = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode event = ContractJson.tree(line.getBytes(StandardCharsets.UTF_8));
                    events.add((ObjectNode) event);
                }
            }
            return events;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
