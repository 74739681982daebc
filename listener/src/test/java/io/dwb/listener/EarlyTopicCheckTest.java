package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.KafkaUnreachable;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The topics' check runs while the engine is identified: its answer is used when it comes after the engine's, and
 * a failure that was already there (Kafka down while the engine was retrying) is asked again, as a start without
 * the head start would have asked it then.
 */
class EarlyTopicCheckTest {
    private static final EventsTopic POLICY = EventsTopic.withDefaults(RecordTimestamps.eventTime());

    @Test
    void aFailureFromBeforeTheEngineAnsweredIsAskedAgainAndItsNewAnswerUsed() {
        AtomicInteger calls = new AtomicInteger();
        try (EarlyTopicCheck check = EarlyTopicCheck.begin(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new KafkaUnreachable("cannot reach Kafka at k:9092 (no answer within 30 s)", null);
            }
            return POLICY;
        })) {
            await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);
            awaitDone(check);

            assertThat(check.result()).isSameAs(POLICY);
            assertThat(calls).as("asked again, on the caller's thread").hasValue(2);
        }
    }

    @Test
    void aFailureThatComesWhileTheCallerWaitsIsTheStartsFailure() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        try (EarlyTopicCheck check = EarlyTopicCheck.begin(() -> {
            calls.incrementAndGet();
            awaitLatch(waiting);
            throw new KafkaUnreachable("cannot reach Kafka at k:9092 (no answer within 30 s)", null);
        })) {
            FutureTask<EventsTopic> caller = new FutureTask<>(check::result);
            Thread callerThread = new Thread(caller, "caller");
            callerThread.start();
            // The caller waits for the check's answer; only then does the check fail.
            await().atMost(Duration.ofSeconds(5)).until(() -> callerThread.getState() == Thread.State.WAITING);
            waiting.countDown();

            assertThatThrownBy(() -> caller.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(KafkaUnreachable.class)
                    .hasMessageContaining("cannot reach Kafka at k:9092");
            assertThat(calls).as("not asked twice: the failure is as recent as the engine's answer").hasValue(1);
        }
    }

    @Test
    void anAnswerFromBeforeTheEngineAnsweredIsUsedAsItIs() {
        AtomicInteger calls = new AtomicInteger();
        try (EarlyTopicCheck check = EarlyTopicCheck.begin(() -> {
            calls.incrementAndGet();
            return POLICY;
        })) {
            awaitDone(check);
            assertThat(check.result()).isSameAs(POLICY);
            assertThat(calls).hasValue(1);
        }
    }

    @Test
    void closingStopsACheckNoLongerWanted() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        EarlyTopicCheck check = EarlyTopicCheck.begin(() -> {
            started.countDown();
            try {
                new CountDownLatch(1).await(); // a check that never answers by itself
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            throw new KafkaUnreachable("interrupted while contacting Kafka at k:9092", null);
        });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        check.close();
        assertThat(interrupted.await(5, TimeUnit.SECONDS))
                .as("the check's thread is interrupted, so its admin client closes").isTrue();
    }

    private static void awaitDone(EarlyTopicCheck check) {
        await().atMost(Duration.ofSeconds(5)).until(check::done);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
