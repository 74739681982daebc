package io.dwb.runtime;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request about a topic, asked again with backoff while Kafka answers UnknownTopicOrPartition: a topic just created
 * (by this process or by another one starting at the same time) is known to the controller before every broker's
 * metadata has it, so it is listed or refused as existing and then, for a moment, described as unknown by another
 * broker (a 3-broker cluster's listener once exited on it). Used by the provisioner's checks and by the listener's
 * read of its topic's settings.
 */
public final class UntilTopicKnown {
    private static final Logger log = LoggerFactory.getLogger(UntilTopicKnown.class);
    /** The backoff between tries, also of a topic's creation while Kafka cannot place its replicas for now. */
    static final Duration FIRST_RETRY = Duration.ofMillis(50);
    static final Duration MAX_RETRY = Duration.ofSeconds(1);

    /** One request to Kafka's admin client, waited for. */
    @FunctionalInterface
    public interface Request<T> {
        T ask() throws ExecutionException, TimeoutException, InterruptedException;
    }

    private UntilTopicKnown() {
    }

    /**
     * {@code request}'s answer once Kafka knows the topic.
     *
     * @param nanoTime monotonic nanoseconds ({@code System::nanoTime}; a test's fake clock)
     * @throws ExecutionException the request's own failure; UnknownTopicOrPartition once {@code timeout} is spent
     */
    public static <T> T ask(String what, Request<T> request, Duration timeout, LongSupplier nanoTime)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = nanoTime.getAsLong() + timeout.toNanos();
        Backoff backoff = new Backoff(FIRST_RETRY, MAX_RETRY);
        while (true) {
            try {
                return request.ask();
            } catch (ExecutionException e) {
                Duration wait = backoff.next();
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        || nanoTime.getAsLong() + wait.toNanos() - deadline > 0) {
                    throw e;
                }
                log.debug("{} not yet known to the broker; asking again in {} ms", what, wait.toMillis());
                Thread.sleep(wait.toMillis());
            }
        }
    }
}
