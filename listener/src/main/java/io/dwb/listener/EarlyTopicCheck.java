package io.dwb.listener;

import io.dwb.listener.TransactionalPublisher.KafkaUnavailable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * The part of the start that needs Kafka but not the engine (the topics' check and what the events topic takes: an admin client and a few round trips), begun on a thread of its own while the engine is pinged and
 * identified; the start used to wait for one, then the other (issue 15: 0.05-0.15 s of a restart).
 */
final class EarlyTopicCheck implements AutoCloseable {
    private final Supplier<EventsTopic> check;
    private final FutureTask<EventsTopic> early;

    private EarlyTopicCheck(Supplier<EventsTopic> check) {
        this.check = check;
        this.early = new FutureTask<>(check::get);
    }

    /** Starts {@code check} now; it throws what the start reports (a configuration error, Kafka unreachable). */
    static EarlyTopicCheck begin(Supplier<EventsTopic> check) {
        EarlyTopicCheck started = new EarlyTopicCheck(check);
        Thread thread = new Thread(started.early, "topic-check");
        thread.setDaemon(true);
        thread.start();
        return started;
    }

    /**
     * The check's answer, once it has one. A failure that is there already when this is called came before the
     * engine answered, which can be long ago when the engine needed retries: the check is run again, on the calling
     * thread, so that a Kafka that came up meanwhile is found as it would have been without the head start.
     */
    EventsTopic result() {
        boolean answeredBefore = early.isDone();
        try {
            return early.get();
        } catch (ExecutionException e) {
            if (answeredBefore) {
                return check.get();
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("the topic check failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailable("interrupted while checking the topics", e);
        }
    }

    /** Whether the check on its own thread has its answer. */
    boolean done() {
        return early.isDone();
    }

    /** Stops a check whose answer is no longer wanted (a stop, or an engine that never answered). */
    @Override
    public void close() {
        early.cancel(true);
    }
}
