package io.dwb.standalone;

/**
 * A stage's thread ended on an exception or an {@link Error}, or without being asked to: the process must exit
 * non-zero with one line naming the stage and the cause, whatever the cause was (an Error unhandled would end only
 * that thread).
 */
final class StageFailure extends RuntimeException {
    StageFailure(String stage, Throwable cause) {
        super("the " + stage + " failed: " + describe(cause), cause);
    }

    /** A stage that returned when it should have run on. */
    StageFailure(String message) {
        super("the " + message, null);
    }

    /** Its own message when it has one (the usual case for this project's exceptions), else its type too. */
    private static String describe(Throwable cause) {
        if (cause instanceof RuntimeException && cause.getMessage() != null) {
            return cause.getMessage();
        }
        return cause.getMessage() == null ? cause.getClass().getName()
                : cause.getClass().getName() + ": " + cause.getMessage();
    }
}
