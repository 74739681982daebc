package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A stop (SIGTERM) while the standalone starts: before, the signal's handler was set only once the bridge ran, so a
 * SIGTERM during the broker's start (its log recovery, its SCRAM and admin calls, the topics) ended the JVM at once,
 * exit 143, the broker never closed, and the next start recovered its logs again. The handler is now the first thing
 * set; the start closes the broker and returns 0. Stand-ins for the engine's probe and the broker (no broker here:
 * EmbeddedKafkaTest runs the real one).
 */
class StopDuringStartTest {
    @TempDir
    Path dataDir;

    private final List<String> happened = new CopyOnWriteArrayList<>();
    private final AtomicReference<Runnable> handler = new AtomicReference<>();

    @Test
    void aStopWhileTheBrokerStartsClosesItAndEndsWithZeroStartingNothingElse() throws Exception {
        StandaloneCommand command = command(settings -> happened.add("probed"), (dir, port, stopRequested) -> {
            signal(); // SIGTERM during the broker's log recovery
            happened.add("broker started, stop requested: " + stopRequested.getAsBoolean());
            return new FakeBroker();
        });

        assertThat(command.call()).isZero();
        assertThat(happened).containsExactly("probed", "signal handled",
                "broker started, stop requested: true", "broker closed");
    }

    @Test
    void aStopBeforeTheBrokerStartsStartsNone() throws Exception {
        StandaloneCommand command = command(settings -> signal(), (dir, port, stopRequested) -> {
            happened.add("broker started");
            return new FakeBroker();
        });

        assertThat(command.call()).isZero();
        assertThat(happened).containsExactly("signal handled");
    }

    /**
     * A stop while the engine probe waits for an engine that does not answer (dockerd restarting): the probe's failure
     * won over the stop, exit 1 and a unit marked failed. A stop: exit 0, no broker.
     */
    @Test
    void aStopWhileTheEngineProbeFailsIsAStopWithZero() throws Exception {
        StandaloneCommand command = command(settings -> {
            signal(); // SIGTERM while the ping waits
            throw new StandaloneCommand.EngineNotFound("cannot reach the Docker engine at unix:///var/run/docker.sock");
        }, (dir, port, stopRequested) -> {
            happened.add("broker started");
            return new FakeBroker();
        });

        assertThat(command.call()).isZero();
        assertThat(happened).containsExactly("signal handled");
    }

    @Test
    void theStopRequestReachesTheBrokersStartWhileItRuns() throws Exception {
        AtomicReference<BooleanSupplier> seen = new AtomicReference<>();
        StandaloneCommand command = command(settings -> { }, (dir, port, stopRequested) -> {
            seen.set(stopRequested);
            assertThat(stopRequested.getAsBoolean()).isFalse();
            signal();
            assertThat(stopRequested.getAsBoolean()).as("what EmbeddedKafka.start checks between its steps")
                    .isTrue();
            return new FakeBroker();
        });

        assertThat(command.call()).isZero();
        assertThat(seen.get()).isNotNull();
    }

    /** What the JVM's signal thread does on SIGTERM: runs the handler set, if any. */
    private void signal() {
        Runnable h = handler.get();
        if (h == null) {
            happened.add("no handler: the JVM exits 143, the broker unclosed");
            throw new IllegalStateException("SIGTERM without a handler");
        }
        h.run();
        happened.add("signal handled");
    }

    private StandaloneCommand command(java.util.function.Consumer<io.dwb.listener.ListenerSettings> probe,
                                      StandaloneCommand.BrokerStart broker) {
        UnaryOperator<Stage> stages = stage -> {
            happened.add("stage " + stage.name());
            return stage;
        };
        StandaloneCommand command = new StandaloneCommand(stages, handler::set, probe, broker);
        new CommandLine(command).parseArgs("--data-dir", dataDir.toString(), "--wazuh-queue", "-");
        return command;
    }

    private final class FakeBroker extends NoBroker {
        @Override
        public void close() {
            happened.add("broker closed");
        }
    }
}
