package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/** A request about a topic a broker does not know yet is asked again; anything else, or past the timeout, is not. */
class UntilTopicKnownTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private final AtomicInteger asked = new AtomicInteger();
    private long now;

    @Test
    void aTopicNotYetKnownIsAskedAgainUntilItIs() throws Exception {
        String answer = UntilTopicKnown.ask("topic t", () -> {
            if (asked.incrementAndGet() < 3) {
                throw unknown();
            }
            return "settings of t";
        }, TIMEOUT, () -> now);

        assertThat(answer).isEqualTo("settings of t");
        assertThat(asked).hasValue(3);
    }

    @Test
    void aTopicStillUnknownAtTheTimeoutIsTheRequestsOwnFailure() {
        assertThatThrownBy(() -> UntilTopicKnown.ask("topic t", () -> {
            asked.incrementAndGet();
            now += Duration.ofSeconds(4).toNanos(); // each answer takes 4 s of the 10
            throw unknown();
        }, TIMEOUT, () -> now)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(UnknownTopicOrPartitionException.class);
        assertThat(asked).as("ended at 4, 8 and 12 s: no fourth past the timeout").hasValue(3);
    }

    @Test
    void anotherFailureIsNotAskedAgain() {
        assertThatThrownBy(() -> UntilTopicKnown.ask("topic t", () -> {
            asked.incrementAndGet();
            throw new ExecutionException(new TopicAuthorizationException("not allowed"));
        }, TIMEOUT, () -> now)).hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThat(asked).hasValue(1);
    }

    private static ExecutionException unknown() {
        return new ExecutionException(new UnknownTopicOrPartitionException("This server does not host this "
                + "topic-partition."));
    }
}
