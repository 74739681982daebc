package io.dwb.runtime;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.function.Predicate;

/** A failure's chain of causes, walked at most {@link #MAX_DEPTH} deep: a chain can loop, or be built by anyone. */
public final class Causes {
    static final int MAX_DEPTH = 32;
    /** Where Kafka's client parses {@code sasl.jaas.config} ({@code JaasConfig}, {@code JaasContext}). */
    static final String JAAS_PARSER = "org.apache.kafka.common.security.Jaas";

    private Causes() {}

    /** The first of {@code failure}'s chain, itself included, that {@code wanted} accepts; null when none does. */
    public static Throwable find(Throwable failure, Predicate<Throwable> wanted) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH; t = t.getCause() == t ? null : t.getCause(),
                depth++) {
            if (wanted.test(t)) {
                return t;
            }
        }
        return null;
    }

    /**
     * The exception of a logging call as a Logback turbo filter sees it: given apart ({@code t}), or, by SLF4J's
     * convention, as the last of the arguments; null when none.
     */
    public static Throwable ofLogCall(Throwable t, Object[] params) {
        return t != null ? t : params != null && params.length > 0
                && params[params.length - 1] instanceof Throwable last ? last : null;
    }

    /**
     * What a file's {@code failure} to be read says of it: the JDK's {@link NoSuchFileException} and {@link
     * AccessDeniedException} say only the path, which the line names already ("cannot read … /x: /x").
     */
    public static String fileProblem(IOException failure) {
        if (failure instanceof NoSuchFileException) {
            return "no such file";
        }
        if (failure instanceof AccessDeniedException) {
            return "permission denied";
        }
        return failure.getMessage();
    }

    /**
     * What {@code failure} says, fit for a log line: the words Kafka's parser of {@code sasl.jaas.config} quotes from
     * it are left out, being the line's own (its password's, for one with a {@code "} or a space: {@code Value not
     * specified for key 'pQzLrT7w' in JAAS config} quoted a generated password's end). Null when it says nothing.
     */
    public static String message(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || !thrownBy(failure, JAAS_PARSER)) {
            return message;
        }
        String hidden = message.replaceAll("'[^']*'", "'…'");
        return hidden.equals(message) ? message : hidden + " (the words of sasl.jaas.config it quoted left out)";
    }

    /** Whether {@code t} was thrown by a class whose name starts with {@code classNamePrefix}. */
    static boolean thrownBy(Throwable t, String classNamePrefix) {
        StackTraceElement[] trace = t.getStackTrace();
        return trace.length > 0 && trace[0].getClassName().startsWith(classNamePrefix);
    }

    /** The last cause of {@code failure}'s chain, or {@code failure} itself when it has none. */
    public static Throwable root(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < MAX_DEPTH; depth++) {
            t = t.getCause();
        }
        return t;
    }
}
