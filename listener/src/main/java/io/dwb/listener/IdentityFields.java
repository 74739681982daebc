package io.dwb.listener;

import io.dwb.schemas.EventIdentity;

/**
 * The identity fields of one event as they are read one value at a time, by the splitter's parser or by the
 * scanner: a duplicate key's last value wins, as in a tree, and a time field's number is null unless that last
 * value was one. Not thread-safe; {@link #clear} per event.
 */
final class IdentityFields {
    private String timeNanoText;
    private Long timeNano;
    private Long timeSeconds;
    private String timeText;
    private String type;
    private String action;
    private String actorId;

    IdentityFields() {
        clear();
    }

    void clear() {
        timeNanoText = "";
        timeNano = null;
        timeSeconds = null;
        timeText = null;
        type = "";
        action = "";
        actorId = "";
    }

    /** Whether a top-level field of this name is one of them. */
    static boolean isTopLevel(String name) {
        return name != null && switch (name) {
            case "timeNano", "time", "Type", "Action" -> true;
            default -> false;
        };
    }

    /** A top-level value: its text as a tree gives it, and for a number its value when it fits a long. */
    void topLevel(String name, String text, Long number) {
        if (name == null) {
            return;
        }
        switch (name) {
            case "timeNano" -> {
                timeNanoText = text;
                timeNano = number;
            }
            case "time" -> {
                timeText = text;
                timeSeconds = number;
            }
            case "Type" -> type = text;
            case "Action" -> action = text;
            default -> { }
        }
    }

    /** {@code Actor.ID}. */
    void actorId(String text) {
        actorId = text;
    }

    EventIdentity identity() {
        return EventIdentity.of(timeNanoText, timeNano, timeSeconds, type, action, actorId);
    }

    /** {@code time} as written, null when missing. */
    String timeText() {
        return timeText;
    }
}
