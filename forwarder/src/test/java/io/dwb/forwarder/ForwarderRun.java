package io.dwb.forwarder;

import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;

/** A forwarder running in the test's JVM on its own thread, configured through the real command-line options. */
final class ForwarderRun implements AutoCloseable {
    private final Forwarder forwarder;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private ForwarderRun(Forwarder forwarder) {
        this.forwarder = forwarder;
        this.thread = new Thread(() -> {
            try {
                forwarder.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "forwarder-under-test");
        thread.setDaemon(true);
        thread.start();
    }

    static ForwarderSettings settings(String... args) {
        ForwarderCommand command = new ForwarderCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    /** Starts with {@code --bootstrap-servers}, {@code --topic}, {@code --wazuh-queue} plus {@code extra}. */
    static ForwarderRun start(String bootstrap, String topic, String queue, String... extra) {
        return start(AlertOwners.NONE, bootstrap, topic, queue, extra);
    }

    /** As above, with the alerts' owners given (as {@code --agent-map} or {@code --agent-keys} would make them). */
    static ForwarderRun start(AlertOwners owners, String bootstrap, String topic, String queue, String... extra) {
        List<String> args = new ArrayList<>(List.of("--bootstrap-servers", bootstrap, "--topic", topic,
                "--wazuh-queue", queue, "--group", "g-" + topic, "--dlq-topic", topic + "-dlq",
                "--retry-max-delay", "1s"));
        args.addAll(List.of(extra));
        if (!args.contains("--max-live-age")) {
            args.addAll(TestRecords.ANY_AGE);
        }
        return new ForwarderRun(new Forwarder(settings(args.toArray(String[]::new)), owners));
    }

    Forwarder forwarder() {
        return forwarder;
    }

    ForwarderMetrics metrics() {
        return forwarder.metrics();
    }

    /** The value of the forwarder's gauge {@code name} (its Prometheus name). */
    double gauge(String name) {
        for (MetricSnapshot s : metrics().registry().scrape()) {
            if (s.getMetadata().getPrometheusName().equals(name)) {
                return ((GaugeSnapshot) s).getDataPoints().get(0).getValue();
            }
        }
        throw new AssertionError("no metric " + name);
    }

    boolean running() {
        return thread.isAlive();
    }

    /** Fails the test if the loop died of an exception. */
    void assertAlive() {
        if (failure.get() != null) {
            throw new AssertionError("the forwarder failed", failure.get());
        }
        if (!thread.isAlive()) {
            throw new AssertionError("the forwarder stopped");
        }
    }

    /** For replay runs: waits until run() returned on its own. */
    void awaitFinished(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        if (thread.isAlive()) {
            throw new AssertionError("the forwarder did not finish within " + timeout);
        }
        if (failure.get() != null) {
            throw new AssertionError("the forwarder failed", failure.get());
        }
    }

    @Override
    public void close() throws Exception {
        forwarder.stop();
        thread.join(90_000);
        if (thread.isAlive()) {
            throw new AssertionError("the forwarder did not stop within 90 s of stop()");
        }
        forwarder.close();
    }
}
