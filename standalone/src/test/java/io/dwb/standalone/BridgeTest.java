package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fast layer under StandaloneProcessTest: how the two stages end each other, with stand-in stages. */
class BridgeTest {
    @RegisterExtension
    final LogLines logged = LogLines.of(Bridge.class);
    private final List<String> happened = new CopyOnWriteArrayList<>();

    @Test
    void anErrorInTheForwarderStopsTheListenerAndEndsTheBridgeWithAFailureNamingBoth() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), fails("forwarder", new StackOverflowError("deep")),
                () -> happened.add("closed"));
        bridge.start();

        assertThatThrownBy(bridge::awaitStopped).isInstanceOf(StageFailure.class)
                .hasMessage("the forwarder failed: java.lang.StackOverflowError: deep")
                .hasCauseInstanceOf(StackOverflowError.class);
        assertThat(happened).contains("listener stopped", "closed");
        assertThat(logged.lines()).as("said when it happens, not only as the exit's reason")
                .containsExactly("ERROR the forwarder failed: java.lang.StackOverflowError: deep: stopping the "
                        + "listener, then the broker");
    }

    @Test
    void anErrorInTheListenerStopsTheForwarder() throws Exception {
        Bridge bridge = new Bridge(fails("listener", new NoClassDefFoundError("io/dwb/listener/EventStream")),
                runsUntilStopped("forwarder"), () -> happened.add("closed"));
        bridge.start();

        assertThatThrownBy(bridge::awaitStopped).isInstanceOf(StageFailure.class)
                .hasMessage("the listener failed: java.lang.NoClassDefFoundError: io/dwb/listener/EventStream");
        assertThat(happened).containsSubsequence("forwarder stopped", "closed");
    }

    @Test
    void anExceptionKeepsItsOwnMessage() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"),
                fails("forwarder", new IllegalStateException("cannot write to the dead-letter topic")), () -> { });
        bridge.start();

        assertThatThrownBy(bridge::awaitStopped)
                .hasMessage("the forwarder failed: cannot write to the dead-letter topic");
    }

    @Test
    void aForwarderEndingUnaskedIsAFailureAndTheListenerIsStopped() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), new Stage("forwarder", () -> 0, () -> { }),
                () -> happened.add("closed"));
        bridge.start();

        assertThatThrownBy(bridge::awaitStopped).hasMessage("the forwarder ended without being asked to");
        assertThat(happened).contains("listener stopped", "closed");
        assertThat(logged.lines()).containsExactly("ERROR the forwarder ended without being asked to: stopping the "
                + "listener, then the broker");
    }

    /**
     * {@code bin/run --wazuh-queue - | head}: the forwarder ends once its standard output is closed (the reader went
     * away). That is a stop of the whole process, exit 0, as a filter's on a broken pipe: not a failure.
     */
    @Test
    void aForwarderEndingForItsClosedOutputStopsTheWholeBridgeWithExit0() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), new Stage("forwarder", () -> 0, () -> { }),
                () -> happened.add("closed"), Duration.ofSeconds(30), () -> true);
        bridge.start();

        assertThat(bridge.awaitStopped()).isZero();
        assertThat(happened).contains("listener stopped", "closed");
        assertThat(logged.lines()).isEmpty();
    }

    @Test
    void theListenerEndingOnItsOwnGivesItsExitCodeAndStopsTheForwarder() throws Exception {
        Bridge bridge = new Bridge(new Stage("listener", () -> 1, () -> { }), runsUntilStopped("forwarder"),
                () -> happened.add("closed"));
        bridge.start();

        assertThat(bridge.awaitStopped()).isEqualTo(1);
        assertThat(happened).containsExactly("forwarder stopped", "closed");
    }

    @Test
    void aRequestedStopStopsBothThenClosesAndReturnsTheListenersExitCode() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), runsUntilStopped("forwarder"),
                () -> happened.add("closed"));
        bridge.start();
        bridge.requestStop();

        assertThat(bridge.awaitStopped()).isZero();
        // The resources are the forwarder's: closed once it stopped, the listener perhaps still finishing (a CI run
        // saw "closed" before "listener stopped")
        assertThat(happened).containsExactlyInAnyOrder("listener stopped", "forwarder stopped", "closed")
                .containsSubsequence("forwarder stopped", "closed");
    }

    /**
     * A listener whose stop does not end its work (a last commit waiting on the broker): the forwarder is asked at
     * once, and the stop returns within its deadline, its resources closed, leaving time for the broker's close.
     * Before, the forwarder was asked only once the listener had ended or 30 s had passed, 30 s more for it, all
     * past the wodle's SIGKILL (10 s) or near the units' 60 s, and the broker never closed.
     */
    @Test
    void aListenerThatDoesNotStopDelaysNeitherTheForwardersStopNorTheEndBeyondTheDeadline() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Stage stuck = new Stage("listener", () -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }, () -> happened.add("listener asked"));
        CompletableFuture<Long> forwarderAsked = new CompletableFuture<>();
        CountDownLatch forwarderStop = new CountDownLatch(1);
        Stage forwarder = new Stage("forwarder", () -> {
            try {
                forwarderStop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }, () -> {
            forwarderAsked.complete(System.nanoTime());
            forwarderStop.countDown();
        });
        Duration deadline = Duration.ofSeconds(2);
        Bridge bridge = new Bridge(stuck, forwarder, () -> happened.add("closed"), deadline);
        bridge.start();
        try {
            CompletableFuture<Integer> stopped = CompletableFuture.supplyAsync(() -> {
                try {
                    return bridge.awaitStopped();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long asked = System.nanoTime();
            bridge.requestStop(); // SIGTERM

            await().atMost(Duration.ofSeconds(1)).until(forwarderAsked::isDone);
            assertThat(Duration.ofNanos(forwarderAsked.get() - asked)).isLessThan(Duration.ofSeconds(1));
            assertThat(stopped.get(deadline.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS)).isZero();
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(deadline.plusMillis(500));
            assertThat(happened).contains("listener asked", "closed");
        } finally {
            never.countDown();
        }
    }

    /** Resources whose close hangs (a consumer's leave that gets no answer) do not hold the stop past its deadline. */
    @Test
    void resourcesThatDoNotCloseDoNotHoldTheStopPastItsDeadline() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        Duration deadline = Duration.ofMillis(500);
        Bridge bridge = new Bridge(runsUntilStopped("listener"), runsUntilStopped("forwarder"), () -> {
            happened.add("closing");
            never.await();
        }, deadline);
        bridge.start();
        try {
            long asked = System.nanoTime();
            bridge.requestStop();
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(bridge.awaitStopped()).isZero());
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(deadline.plusMillis(500));
            assertThat(happened).contains("listener stopped", "forwarder stopped", "closing");
        } finally {
            never.countDown();
        }
    }

    /** Runs until its stop is called, then notes it and returns 0. */
    private Stage runsUntilStopped(String name) {
        CountDownLatch stop = new CountDownLatch(1);
        return new Stage(name, () -> {
            try {
                if (!stop.await(30, TimeUnit.SECONDS)) {
                    happened.add(name + " never stopped");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            happened.add(name + " stopped");
            return 0;
        }, stop::countDown);
    }

    private static Stage fails(String name, Throwable failure) {
        return new Stage(name, () -> {
            if (failure instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) failure;
        }, () -> { });
    }
}
