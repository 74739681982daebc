package io.dwb.runtime;

import java.util.function.Predicate;

/** A failure's chain of causes, walked at most {@link #MAX_DEPTH} deep: a chain can loop, or be built by anyone. */
public final class Causes {
    static final int MAX_DEPTH = 32;

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

    /** The last cause of {@code failure}'s chain, or {@code failure} itself when it has none. */
    public static Throwable root(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < MAX_DEPTH; depth++) {
            t = t.getCause();
        }
        return t;
    }
}
