package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.ConfigurationError;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The probing thread around {@link EngineLiveness}, with an engine stand-in that answers or not (fast layer). */
class EngineProbeTest {
    /** Short, yet longer than a loaded machine's stalls: at 100 ms each, a CI run here took a stall for a silence. */
    private static final EngineProbe.Settings FAST =
            new EngineProbe.Settings(Duration.ofMillis(200), Duration.ofMillis(400));
    private final List<String> gone = new CopyOnWriteArrayList<>();

    @Test
    void anEngineThatStopsAnsweringIsReportedGoneOnceWithTheReason() {
        AtomicBoolean answering = new AtomicBoolean(true);
        AtomicInteger pings = new AtomicInteger();
        EngineProbe probe = new EngineProbe(FAST, () -> {
            pings.incrementAndGet();
            if (!answering.get()) {
                throw new EngineConnection.EngineUnavailable("Read timed out");
            }
        }, System::nanoTime, gone::add);
        // Opened before the probe runs: opened after it, on a loaded machine (a CI run) the stream's 100 ms deadline
        // could pass first, and the probe rightly reported that GET /events got no response
        probe.streamOpened();
        try (EngineProbe started = probe.start()) {
            await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3)).until(gone::isEmpty);
            assertThat(pings.get()).as("probed every interval").isGreaterThanOrEqualTo(3);
            answering.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !gone.isEmpty()); // two intervals, unless loaded
            int pingsWhenGone = pings.get();
            await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3)).until(() -> gone.size() == 1);
            assertThat(gone.get(0)).isEqualTo("no answer to GET /_ping, and nothing on the events stream, for 600 "
                    + "ms (Read timed out): the connection is taken as half-open");
            assertThat(pings.get()).as("the probe stops once it reported").isEqualTo(pingsWhenGone);
        }
    }

    /**
     * Pings unanswered while the events stream delivers (a starved dockerd, a swarm manager's lock, slow to answer
     * /_ping): the connection is alive, and was cut (events past the engine's replay of 256 lost); once the stream
     * is quiet too, it is.
     */
    @Test
    void unansweredPingsDoNotCutAStreamThatDelivers() {
        // A second of silence allowed: the 20 ms reads keep well within it on a loaded machine.
        EngineProbe.Settings settings = new EngineProbe.Settings(Duration.ofMillis(100), Duration.ofMillis(900));
        EngineProbe probe = new EngineProbe(settings, () -> {
            throw new EngineConnection.EngineUnavailable("Read timed out");
        }, System::nanoTime, gone::add);
        probe.streamOpened();
        ScheduledExecutorService stream = Executors.newSingleThreadScheduledExecutor();
        try (EngineProbe started = probe.start()) {
            stream.scheduleAtFixedRate(probe::streamRead, 0, 20, TimeUnit.MILLISECONDS); // an event every 20 ms
            await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(gone::isEmpty);
            stream.shutdownNow();
            await().atMost(Duration.ofSeconds(5)).until(() -> !gone.isEmpty());
            assertThat(gone).singleElement().asString().startsWith("no answer to GET /_ping, and nothing on the "
                    + "events stream, for 1000 ms");
        } finally {
            stream.shutdownNow();
        }
    }

    @Test
    void anEventsRequestThatGetsNoResponseIsReportedGoneThoughPingsAnswer() {
        EngineProbe.Settings slowProbes = new EngineProbe.Settings(Duration.ofSeconds(30), Duration.ofMillis(200));
        try (EngineProbe probe = new EngineProbe(slowProbes, () -> { }, System::nanoTime, gone::add).start()) {
            await().atMost(Duration.ofSeconds(2)).until(() -> !gone.isEmpty());
            assertThat(gone).containsExactly("GET /events got no response in 200 ms: the connection is taken as "
                    + "half-open");
        }
    }

    @Test
    void aClosedProbeReportsNothing() {
        EngineProbe probe = new EngineProbe(FAST, () -> {
            throw new EngineConnection.EngineUnavailable("refused");
        }, System::nanoTime, gone::add);
        probe.start().close();
        await().during(Duration.ofMillis(1000)).atMost(Duration.ofSeconds(3)).until(gone::isEmpty);
    }

    @Test
    void aZeroProbeIntervalOrTimeoutIsAUsageError() {
        for (String option : List.of("--engine-probe-interval", "--engine-probe-timeout")) {
            ListenerCommand command = new ListenerCommand();
            new CommandLine(command).parseArgs(option, "0s");
            assertThatThrownBy(command::settings).isInstanceOf(ConfigurationError.class)
                    .hasMessage(option + " must be above 0");
        }
    }

    /**
     * A zero cap made every reconnection wait 0 (as --attempts 0 means "forever", 0 reads as "no cap"): the listener
     * reconnected without a pause while the engine was away, and wrote no heartbeat meanwhile.
     */
    @Test
    void aZeroReconnectMaxWaitIsAUsageError() {
        ListenerCommand command = new ListenerCommand();
        new CommandLine(command).parseArgs("--reconnect-max-wait", "0");
        assertThatThrownBy(command::settings).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("--reconnect-max-wait must be above 0");
    }
}
