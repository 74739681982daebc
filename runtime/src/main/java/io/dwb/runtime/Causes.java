package io.dwb.runtime;

/** A failure's chain of causes, walked at most {@link #MAX_DEPTH} deep: a chain can loop, or be built by anyone. */
public final class Causes {
    static final int MAX_DEPTH = 32;

    private Causes() {}

    /** The last cause of {@code failure}'s chain, or {@code failure} itself when it has none. */
    public static Throwable root(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < MAX_DEPTH; depth++) {
            t = t.getCause();
        }
        return t;
    }
}
