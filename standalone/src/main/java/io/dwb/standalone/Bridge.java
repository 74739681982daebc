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
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener and the forwarder running side by side on their own threads, against one broker. Either stopping
 * on its own (the engine gone for good, a fatal error, an {@link Error} too) stops the other; a requested stop
 * stops the listener first (it commits what it read), then the forwarder (it commits what Wazuh accepted).
 */
final class Bridge {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);
    private static final long STOP_WAIT_SECONDS = 30;

    private final Stage listener;
    private final Stage forwarder;
    private final AutoCloseable resources;
    private final Thread listenerThread;
    private final Thread forwarderThread;
    private final CountDownLatch somethingEnded = new CountDownLatch(1);
    private final AtomicReference<Integer> listenerExit = new AtomicReference<>();
    private final AtomicReference<StageFailure> failure = new AtomicReference<>();
    private volatile boolean stopping;

    /**
     * @param resources closed once both stages stopped (the forwarder's clients, the metrics endpoint)
     */
    Bridge(Stage listener, Stage forwarder, AutoCloseable resources) {
        this.listener = listener;
        this.forwarder = forwarder;
        this.resources = resources;
        this.listenerThread = new Thread(() -> run(listener, true), listener.name());
        this.forwarderThread = new Thread(() -> run(forwarder, false), forwarder.name());
    }

    /**
     * Starts the real listener and forwarder.
     *
     * @param stages applied to each stage before it starts: the identity, except where a test injects a fault
     */
    static Bridge start(ListenerSettings listenerSettings, ForwarderSettings forwarderSettings, Properties kafka,
                        MetricsEndpoint.Binding metricsBinding, UnaryOperator<Stage> stages) {
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
                });
        bridge.start();
        return bridge;
    }

    void start() {
        forwarderThread.start();
        listenerThread.start();
    }

    /** Thread-safe, from a signal handler too. */
    void requestStop() {
        stopping = true;
        listener.stop().run();
        somethingEnded.countDown();
    }

    /**
     * Blocks until a stop is requested or one side ends, then stops both in order.
     *
     * @return the listener's exit code (0 after a requested stop)
     * @throws StageFailure what ended either side, if it failed
     */
    int awaitStopped() throws InterruptedException {
        somethingEnded.await();
        stopping = true;
        listener.stop().run();
        listenerThread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        forwarder.stop().run();
        forwarderThread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        try {
            resources.close();
        } catch (Exception e) {
            log.debug("closing the bridge's resources", e);
        }
        if (listenerThread.isAlive() || forwarderThread.isAlive()) {
            log.warn("the {} did not stop within {} s", listenerThread.isAlive() ? listener.name() : forwarder.name(),
                    STOP_WAIT_SECONDS);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        Integer code = listenerExit.get();
        return code == null ? Launcher.EXIT_OK : code;
    }

    /** Any Throwable: an Error left to the thread would end it silently and the process with exit 0. */
    private void run(Stage stage, boolean exitCodeCounts) {
        try {
            int code = stage.work().getAsInt();
            if (exitCodeCounts) {
                listenerExit.set(code);
            } else if (!stopping) {
                // Only the listener decides the exit code; the forwarder has no reason to end unasked.
                failure.compareAndSet(null, new StageFailure(stage.name() + " ended without being asked to"));
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, new StageFailure(stage.name(), t));
        } finally {
            somethingEnded.countDown();
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
