package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fast layer under StandaloneProcessTest: how the two stages end each other, with stand-in stages. */
class BridgeTest {
    private final List<String> happened = new CopyOnWriteArrayList<>();

    @Test
    void anErrorInTheForwarderStopsTheListenerAndEndsTheBridgeWithAFailureNamingBoth() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), fails("forwarder", new StackOverflowError("deep")),
                () -> happened.add("closed"));
        bridge.start();

        assertThatThrownBy(bridge::awaitStopped).isInstanceOf(StageFailure.class)
                .hasMessage("the forwarder failed: java.lang.StackOverflowError: deep")
                .hasCauseInstanceOf(StackOverflowError.class);
        assertThat(happened).containsSubsequence("listener stopped", "closed");
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
        assertThat(happened).containsSubsequence("listener stopped", "closed");
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
    void aRequestedStopStopsTheListenerFirstAndReturnsItsExitCode() throws Exception {
        Bridge bridge = new Bridge(runsUntilStopped("listener"), runsUntilStopped("forwarder"),
                () -> happened.add("closed"));
        bridge.start();
        bridge.requestStop();

        assertThat(bridge.awaitStopped()).isZero();
        assertThat(happened).containsExactly("listener stopped", "forwarder stopped", "closed");
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
