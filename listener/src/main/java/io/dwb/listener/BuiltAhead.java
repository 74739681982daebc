package io.dwb.listener;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A Kafka client built ahead of its use, while the start waits for the topics' check (tens of milliseconds of a
 * restart), then handed out once; later ones are built when asked. Building a client sends no request, so nothing
 * it does (a producer's {@code initTransactions}, which fences an older one, or a lookup) moves before the check.
 * Not thread-safe.
 */
final class BuiltAhead<T> implements AutoCloseable {
    private final Supplier<T> build;
    private final Consumer<T> discard;
    private T ready;

    /**
     * @param build   makes a client
     * @param discard closes one built ahead and never taken
     */
    BuiltAhead(Supplier<T> build, Consumer<T> discard) {
        this.build = build;
        this.discard = discard;
    }

    /** Builds the next client now. */
    void prepare() {
        if (ready == null) {
            ready = build.get();
        }
    }

    /** The client built ahead, else a new one; the caller closes it. */
    T take() {
        T client = ready != null ? ready : build.get();
        ready = null;
        return client;
    }

    @Override
    public void close() {
        if (ready != null) {
            discard.accept(ready);
            ready = null;
        }
    }
}
