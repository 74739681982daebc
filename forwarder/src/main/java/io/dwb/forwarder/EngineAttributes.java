package io.dwb.forwarder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The attributes the engine sets itself in its events, per {@code Type} and {@code Action}: the one list of them that
 * {@code --labels} ({@link LabelFilter}), the order of an alert's attributes ({@link WazuhFieldOrder}), trimming
 * ({@link AlertTrimmer}) and the field budget ({@link FieldBudget}) read.
 *
 * <p>A container's events ({@code LogContainerEventWithAttributes}: its labels, then {@code image} and {@code name},
 * with the caller's own attributes) and an image's ({@code LogImageEventWithAttributes}: its labels, then {@code
 * name}) also hold labels in their {@code Actor.Attributes}: in them every key not set by the engine for that Action
 * is a label, whoever chose its name: a container label {@code driver}, {@code container}, {@code type}, {@code
 * destination} or {@code path} names attributes of volume or network events, never of a container's. Per Action, as
 * moby's callers set them: {@code die} ({@code exitCode}, {@code execDuration}), {@code kill} ({@code signal}), the
 * exec events ({@code execID}; {@code exec_die} also {@code exitCode}), {@code rename} ({@code oldName}), {@code
 * resize} ({@code height}, {@code width}), {@code commit} ({@code comment}, {@code imageID}, {@code imageRef}); a
 * {@code prune} event is the daemon's own, no container's or image's, and has only {@code reclaimed}. An Action
 * followed by {@code ": ..."} ({@code exec_start: bash}, {@code health_status: healthy}) is read up to its colon. A
 * container's label of the same name as one of them overwrites it in its events, but for {@code name} and {@code
 * image}, set after the labels (docs/security.md).
 *
 * <p>Events of the other types carry no labels among their attributes (checked against Engine 29's events and moby's
 * callers): for them, and for a type not listed here, the engine's own are those of every type ({@link #EVERY}), as
 * they were before there was a table per type (a daemon {@code reload}'s settings other than {@code name} are not
 * among them, and are trimmed as labels are).
 */
enum EngineAttributes {
    CONTAINER("container", true, List.of("name", "image"),
            on("die", "exitCode", "execDuration"),
            on("kill", "signal"),
            on("exec_create", "execID"),
            on("exec_start", "execID"),
            on("exec_detach", "execID"),
            on("exec_die", "execID", "exitCode"),
            on("rename", "oldName"),
            on("resize", "height", "width"),
            on("commit", "comment", "imageID", "imageRef"),
            on("prune", "reclaimed")),
    IMAGE("image", true, List.of("name"),
            on("prune", "reclaimed")),
    NETWORK("network", false, List.of("name", "type"),
            on("connect", "container"),
            on("disconnect", "container"),
            on("prune", "reclaimed")),
    VOLUME("volume", false, List.of("driver"),
            on("mount", "container", "destination", "propagation", "read/write"),
            on("unmount", "container"),
            on("prune", "reclaimed")),
    NODE("node", false, List.of("name"),
            on("update", "role.old", "role.new", "state.old", "state.new", "availability.old", "availability.new")),
    SERVICE("service", false, List.of("name"),
            on("update", "image.old", "image.new", "replicas.old", "replicas.new", "updatestate.old",
                    "updatestate.new")),
    PLUGIN("plugin", false, List.of("name")),
    SECRET("secret", false, List.of("name")),
    CONFIG("config", false, List.of("name")),
    DAEMON("daemon", false, List.of("name")),
    BUILDER("builder", false, List.of(),
            on("prune", "reclaimed"));

    /** The engine's own attributes in one kind of event, most read first; {@link #contains} is a set's lookup. */
    static final class Own {
        private final List<String> names;
        private final Set<String> set;

        private Own(List<String> names) {
            this.names = List.copyOf(names);
            this.set = Set.copyOf(names);
        }

        /** In the order an alert gives them first ({@link WazuhFieldOrder#reordered}). */
        List<String> names() {
            return names;
        }

        boolean contains(String key) {
            return set.contains(key);
        }
    }

    /** Every attribute the engine sets in any type's events, in the table's order (first seen first). */
    static final Own EVERY = new Own(Arrays.stream(values()).flatMap(t -> t.all().stream())
            .collect(Collectors.toCollection(LinkedHashSet::new)).stream().toList());

    private static final Map<String, EngineAttributes> BY_TYPE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(t -> t.type, Function.identity()));

    private final String type;
    private final boolean labels;
    /** What every Action of the type has. */
    private final Own everyAction;
    /** The Actions with more, and what each has (every Action's first): arrays, so that a lookup allocates nothing. */
    private final String[] actions;
    private final Own[] byAction;

    EngineAttributes(String type, boolean labels, List<String> everyAction, On... byAction) {
        this.type = type;
        this.labels = labels;
        this.everyAction = new Own(everyAction);
        this.actions = new String[byAction.length];
        this.byAction = new Own[byAction.length];
        for (int i = 0; i < byAction.length; i++) {
            List<String> names = new ArrayList<>(everyAction);
            names.addAll(byAction[i].names());
            actions[i] = byAction[i].action();
            this.byAction[i] = new Own(names);
        }
    }

    /** An Action and what the engine sets for it besides what it sets for every Action of the type. */
    private record On(String action, List<String> names) {}

    private static On on(String action, String... names) {
        return new On(action, List.of(names));
    }

    /** Whether events of {@code type} (null: none) hold labels among their attributes: a container's, an image's. */
    static boolean labelled(String type) {
        EngineAttributes t = type == null ? null : BY_TYPE.get(type);
        return t != null && t.labels;
    }

    /**
     * The engine's own attributes in an event of {@code type} and {@code action} (either null when missing): for a
     * container's or an image's, those the table gives that Action; for any other type, {@link #EVERY}.
     * Allocates nothing.
     */
    static Own in(String type, String action) {
        EngineAttributes t = type == null ? null : BY_TYPE.get(type);
        return t == null || !t.labels ? EVERY : t.own(action);
    }

    /** The same for an event's tree, read from its {@code Type} and {@code Action}. */
    static Own in(ObjectNode event) {
        return in(text(event.get("Type")), text(event.get("Action")));
    }

    private static String text(JsonNode node) {
        return node == null ? null : node.textValue();
    }

    /** {@code exec_start: bash -l} is {@code exec_start}. */
    private Own own(String action) {
        if (action != null) {
            int end = action.indexOf(':');
            end = end < 0 ? action.length() : end;
            for (int i = 0; i < actions.length; i++) {
                if (actions[i].length() == end && action.startsWith(actions[i])) {
                    return byAction[i];
                }
            }
        }
        return everyAction;
    }

    /** Every attribute the engine sets in this type's events, whatever the action; in the table's order. */
    List<String> all() {
        LinkedHashSet<String> all = new LinkedHashSet<>(everyAction.names());
        for (Own own : byAction) {
            all.addAll(own.names());
        }
        return List.copyOf(all);
    }

    /** The Actions this type's table names (those with attributes beyond what every Action has). */
    List<String> actions() {
        return List.of(actions);
    }

    String type() {
        return type;
    }
}
