package io.dwb.forwarder;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The attributes the engine sets itself in the events whose {@code Actor.Attributes} also hold labels: a container's
 * events (moby's {@code LogContainerEventWithAttributes}: its labels, then {@code image} and {@code name}, with the
 * caller's own attributes) and an image's ({@code LogImageEventWithAttributes}: its labels, then {@code name}). Every
 * other key of such an event is a label, whoever chose its name: a container label {@code driver}, {@code container},
 * {@code type}, {@code destination} or {@code path} names attributes of volume or network events, never of a
 * container's. Events of the other types carry no labels among their attributes.
 *
 * <p>Per Action, as moby's callers set them: {@code die} ({@code exitCode}, {@code execDuration}), {@code kill}
 * ({@code signal}), the exec events ({@code execID}; {@code exec_die} also {@code exitCode}), {@code rename}
 * ({@code oldName}), {@code resize} ({@code height}, {@code width}), {@code commit} ({@code comment}, {@code imageID},
 * {@code imageRef}); a {@code prune} event is the daemon's own, no container's or image's, and has only {@code
 * reclaimed}. An Action followed by {@code ": ..."} ({@code exec_start: bash}, {@code health_status: healthy}) is
 * read up to its colon.
 */
enum EngineAttributes {
    CONTAINER("container", Set.of("name", "image"), Map.of(
            "die", Set.of("exitCode", "execDuration"),
            "kill", Set.of("signal"),
            "exec_create", Set.of("execID"),
            "exec_start", Set.of("execID"),
            "exec_detach", Set.of("execID"),
            "exec_die", Set.of("execID", "exitCode"),
            "rename", Set.of("oldName"),
            "resize", Set.of("height", "width"),
            "commit", Set.of("comment", "imageID", "imageRef"),
            "prune", Set.of("reclaimed"))),
    IMAGE("image", Set.of("name"), Map.of(
            "prune", Set.of("reclaimed")));

    private static final Map<String, EngineAttributes> BY_TYPE = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(t -> t.type, Function.identity()));

    private final String type;
    private final Set<String> everyAction;
    private final Map<String, Set<String>> byAction;

    EngineAttributes(String type, Set<String> everyAction, Map<String, Set<String>> byAction) {
        this.type = type;
        this.everyAction = everyAction;
        this.byAction = byAction;
    }

    /** The table for an event {@code Type} whose attributes hold labels; empty for any other type (or null). */
    static Optional<EngineAttributes> of(String type) {
        return Optional.ofNullable(type == null ? null : BY_TYPE.get(type));
    }

    /** Whether the engine sets {@code key} itself in this type's events of {@code action} (null: no action). */
    boolean own(String action, String key) {
        if (everyAction.contains(key)) {
            return true;
        }
        Set<String> more = action == null ? null : byAction.get(baseAction(action));
        return more != null && more.contains(key);
    }

    /** Every attribute the engine sets in this type's events, whatever the action. */
    Set<String> all() {
        return Stream.concat(everyAction.stream(), byAction.values().stream().flatMap(Set::stream))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** {@code exec_start: bash -l} is {@code exec_start}. */
    private static String baseAction(String action) {
        int colon = action.indexOf(':');
        return colon < 0 ? action : action.substring(0, colon);
    }
}
