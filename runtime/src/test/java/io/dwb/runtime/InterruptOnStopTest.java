package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InterruptOnStopTest {
    private final InterruptOnStop waits = new InterruptOnStop();

    @Test
    void aStopInterruptsTheWaitInProgressAndLeavesNoInterruptBehind() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Boolean> interruptedAfter = CompletableFuture.supplyAsync(() -> {
            try {
                waits.during(() -> {
                    waiting.countDown();
                    blockUntilInterrupted();
                });
            } catch (Interrupted e) {
                return Thread.currentThread().isInterrupted();
            }
            throw new AssertionError("the wait was not interrupted");
        }, runnable -> new Thread(runnable, "waiter").start());
        assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();

        waits.stop();

        assertThat(interruptedAfter.get(30, TimeUnit.SECONDS)).as("the interrupt is still set after the wait")
                .isFalse();
        assertThat(waits.stopped()).isTrue();
    }

    @Test
    void aWaitBegunAfterAStopIsInterruptedAtItsStart() {
        waits.stop();

        assertThatThrownBy(() -> waits.during(InterruptOnStopTest::blockUntilInterrupted))
                .isInstanceOf(Interrupted.class);
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void withoutAStopTheWaitReturnsItsAnswer() {
        assertThat(waits.during(() -> "answer")).isEqualTo("answer");
        assertThat(waits.stopped()).isFalse();
    }

    @Test
    void anInterruptFromElsewhereIsLeftAsItIs() throws Exception {
        CompletableFuture<Boolean> stillInterrupted = CompletableFuture.supplyAsync(() -> {
            Thread.currentThread().interrupt();
            waits.during(() -> "answer");
            return Thread.currentThread().isInterrupted();
        }, runnable -> new Thread(runnable, "interrupted").start());

        assertThat(stillInterrupted.get(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Waits as a Kafka client does: interrupted, it fails with an unchecked exception and sets the interrupt again. */
    private static void blockUntilInterrupted() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Interrupted(e);
        }
    }

    private static final class Interrupted extends RuntimeException {
        Interrupted(InterruptedException cause) {
            super(cause);
        }
    }
}
