package io.dwb.standalone;

import io.dwb.forwarder.Forwarder;
import io.dwb.forwarder.ForwarderSettings;
import io.dwb.listener.CaptureLoop;
import io.dwb.listener.EventQueue;
import io.dwb.listener.ListenerMetrics;
import io.dwb.listener.ListenerSettings;
import io.dwb.runtime.KafkaClientMetrics;
import io.dwb.runtime.Launcher;
import io.dwb.runtime.MetricsEndpoint;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener and the forwarder running side by side on their own threads, against one broker. Either stopping
 * on its own (the engine gone for good, a fatal error, an {@link Error} too) stops the other; a requested stop
 * asks both at once (the listener commits what it read, the forwarder what Wazuh accepted: neither needs the
 * other, only the broker, which is closed after them), and the whole of it, the resources' close included, is held
 * to one deadline: {@code stopTimeout} from the request. Before, the forwarder was asked only once the listener had
 * ended (up to 30 s), then waited for up to 30 s more, so a listener slow to stop used up the wodle's 10 s before
 * SIGKILL, or systemd's 60 s, before the forwarder's last commit and the broker's close.
 */
final class Bridge {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);

    private final Stage listener;
    private final Stage forwarder;
    private final AutoCloseable resources;
    private final Duration stopTimeout;
    private final Thread listenerThread;
    private final Thread forwarderThread;
    private final CountDownLatch somethingEnded = new CountDownLatch(1);
    private final AtomicReference<Integer> listenerExit = new AtomicReference<>();
    private final AtomicReference<StageFailure> failure = new AtomicReference<>();
    private volatile boolean stopping;
    private final BooleanSupplier outputClosed;
    /** {@link System#nanoTime} of the first stop request, or of the first stage's end: what the deadline counts from. */
    private long stopAskedAt;
    private boolean stopAsked;

    /** With the service's stop timeout ({@link StopBudget#SERVICE}'s share of it). */
    Bridge(Stage listener, Stage forwarder, AutoCloseable resources) {
        this(listener, forwarder, resources, StopBudget.SERVICE.bridge());
    }

    /**
     * @param resources   closed once the forwarder stopped, or once {@code stopTimeout} passed (the forwarder's
     *                    clients, the metrics endpoint: nothing the listener uses)
     * @param stopTimeout how long the stop may take, from its request to the resources' close
     */
    Bridge(Stage listener, Stage forwarder, AutoCloseable resources, Duration stopTimeout) {
        this(listener, forwarder, resources, stopTimeout, () -> false);
    }

    /**
     * @param outputClosed whether the forwarder ended because its standard output was closed ({@code --wazuh-queue
     *                     -} piped to a reader that went away): the whole process stops then, exit 0, as a filter
     *                     does on a broken pipe
     */
    Bridge(Stage listener, Stage forwarder, AutoCloseable resources, Duration stopTimeout,
           BooleanSupplier outputClosed) {
        this.outputClosed = outputClosed;
        this.listener = listener;
        this.forwarder = forwarder;
        this.resources = resources;
        this.stopTimeout = stopTimeout;
        this.listenerThread = new Thread(() -> run(listener, true), listener.name());
        this.forwarderThread = new Thread(() -> run(forwarder, false), forwarder.name());
    }

    /**
     * Starts the real listener and forwarder.
     *
     * @param stages applied to each stage before it starts: the identity, except where a test injects a fault
     */
    static Bridge start(ListenerSettings listenerSettings, ForwarderSettings forwarderSettings, Properties kafka,
                        MetricsEndpoint.Binding metricsBinding, UnaryOperator<Stage> stages, Duration stopTimeout) {
        EventQueue queue = new EventQueue(listenerSettings.queueCapacity(), listenerSettings.queueBytes());
        Forwarder forwarder = new Forwarder(forwarderSettings);
        // One set of Kafka client metrics for both stages (the forwarder's, which the listener's producer joins):
        // each client under its own name, served once.
        KafkaClientMetrics kafkaClients = forwarder.metrics().kafkaClients();
        ListenerMetrics listenerMetrics = new ListenerMetrics(queue::size, kafkaClients);
        CaptureLoop listener;
        try {
            listener = new CaptureLoop(listenerSettings, kafka, queue, listenerMetrics);
        } catch (RuntimeException e) {
            closeQuietly(forwarder);
            throw e;
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector) () -> listenerMetrics.registry().scrape());
        registry.register((MultiCollector) () -> forwarder.metrics().registry().scrape());
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(metricsBinding, registry, kafkaClients,
                    () -> listener.healthy() && forwarder.healthy());
        } catch (RuntimeException e) {
            closeQuietly(forwarder);
            throw e;
        }
        Bridge bridge = new Bridge(
                stages.apply(new Stage("listener", listener::run, listener::requestStop)),
                stages.apply(new Stage("forwarder", () -> {
                    forwarder.run();
                    return Launcher.EXIT_OK;
                }, forwarder::stop)),
                () -> {
                    closeQuietly(forwarder);
                    endpoint.close();
                }, stopTimeout, forwarder::outputClosed);
        bridge.start();
        return bridge;
    }

    void start() {
        forwarderThread.start();
        listenerThread.start();
    }

    /** Thread-safe, from a signal handler too: asks both stages at once. */
    void requestStop() {
        stopAskedAt();
        stopping = true;
        listener.stop().run();
        forwarder.stop().run();
        somethingEnded.countDown();
    }

    /**
     * Blocks until a stop is requested or one side ends, then stops both, waiting for them and for the resources'
     * close up to the stop's deadline ({@code stopTimeout} from the request): what is still running then is left to
     * the broker's close and the process's exit.
     *
     * @return the listener's exit code (0 after a requested stop)
     * @throws StageFailure what ended either side, if it failed
     */
    int awaitStopped() throws InterruptedException {
        somethingEnded.await();
        long deadline = stopAskedAt() + stopTimeout.toNanos();
        stopping = true;
        listener.stop().run();
        forwarder.stop().run();
        // The resources are the forwarder's (and the metrics endpoint): closed once it stopped, while the listener
        // may still be finishing its last transaction.
        joinUntil(forwarderThread, deadline);
        Thread closing = new Thread(() -> {
            try {
                resources.close();
            } catch (Exception e) {
                log.debug("closing the bridge's resources", e);
            }
        }, "bridge-close");
        closing.setDaemon(true);
        closing.start();
        joinUntil(listenerThread, deadline);
        joinUntil(closing, deadline);
        for (Stage stage : new Stage[] {listener, forwarder}) {
            if ((stage == listener ? listenerThread : forwarderThread).isAlive()) {
                log.warn("the {} did not stop within the stop's {} ms: left to the broker's close and the exit",
                        stage.name(), stopTimeout.toMillis());
            }
        }
        if (closing.isAlive()) {
            log.warn("the forwarder's clients and the metrics endpoint did not close within the stop's {} ms: left to "
                    + "the broker's close and the exit", stopTimeout.toMillis());
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        Integer code = listenerExit.get();
        return code == null ? Launcher.EXIT_OK : code;
    }

    private synchronized long stopAskedAt() {
        if (!stopAsked) {
            stopAsked = true;
            stopAskedAt = System.nanoTime();
        }
        return stopAskedAt;
    }

    private static void joinUntil(Thread thread, long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.timedJoin(thread, left);
        }
    }

    /** Any Throwable: an Error left to the thread would end it silently and the process with exit 0. */
    private void run(Stage stage, boolean exitCodeCounts) {
        try {
            int code = stage.work().getAsInt();
            if (exitCodeCounts) {
                listenerExit.set(code);
            } else if (!stopping && outputClosed.getAsBoolean()) {
                requestStop(); // its reader went away: nothing is left to deliver to
            } else if (!stopping) {
                // Only the listener decides the exit code; the forwarder has no reason to end unasked.
                failed(stage, new StageFailure(stage.name() + " ended without being asked to"));
            }
        } catch (Throwable t) {
            failed(stage, new StageFailure(stage.name(), t));
        } finally {
            somethingEnded.countDown();
        }
    }

    /**
     * The first failure is the process's exit reason, said last by the launcher; said here too, when it happens:
     * the other stage's and the broker's stop lines that follow (up to the stop's deadline) read as a stop asked for.
     */
    private void failed(Stage stage, StageFailure stageFailure) {
        if (failure.compareAndSet(null, stageFailure) && !stopping) {
            log.error("{}: stopping the {}, then the broker", stageFailure.getMessage(),
                    (stage == listener ? forwarder : listener).name());
        }
    }

    private static void closeQuietly(Forwarder forwarder) {
        try {
            forwarder.close();
        } catch (Exception e) {
            log.debug("closing the forwarder", e);
        }
    }
}
