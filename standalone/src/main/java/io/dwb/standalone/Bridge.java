package io.dwb.standalone;

import io.dwb.forwarder.Forwarder;
import io.dwb.forwarder.ForwarderSettings;
import io.dwb.listener.CaptureLoop;
import io.dwb.listener.EventQueue;
import io.dwb.listener.ListenerMetrics;
import io.dwb.listener.ListenerSettings;
import io.dwb.schemas.runtime.MetricsEndpoint;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener and the forwarder running side by side on their own threads, against one broker. Either stopping
 * on its own (the engine gone for good, a fatal error) stops the other; a requested stop stops the listener first
 * (it commits what it read), then the forwarder (it commits what Wazuh accepted).
 */
final class Bridge {
    private static final Logger log = LoggerFactory.getLogger(Bridge.class);
    private static final long STOP_WAIT_SECONDS = 30;

    private final CaptureLoop listener;
    private final Forwarder forwarder;
    private final MetricsEndpoint metrics;
    private final Thread listenerThread;
    private final Thread forwarderThread;
    private final CountDownLatch somethingEnded = new CountDownLatch(1);
    private final AtomicReference<Integer> listenerExit = new AtomicReference<>();
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    private Bridge(CaptureLoop listener, Forwarder forwarder, MetricsEndpoint metrics) {
        this.listener = listener;
        this.forwarder = forwarder;
        this.metrics = metrics;
        this.listenerThread = new Thread(this::runListener, "listener");
        this.forwarderThread = new Thread(this::runForwarder, "forwarder");
    }

    static Bridge start(ListenerSettings listenerSettings, ForwarderSettings forwarderSettings, Properties kafka,
                        int metricsPort) {
        EventQueue queue = new EventQueue(listenerSettings.queueCapacity(), listenerSettings.queueBytes());
        ListenerMetrics listenerMetrics = new ListenerMetrics(queue::size);
        CaptureLoop listener = new CaptureLoop(listenerSettings, kafka, queue, listenerMetrics);
        Forwarder forwarder = new Forwarder(forwarderSettings);
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector) () -> listenerMetrics.registry().scrape());
        registry.register((MultiCollector) () -> forwarder.metrics().registry().scrape());
        MetricsEndpoint endpoint;
        try {
            endpoint = MetricsEndpoint.start(metricsPort, registry, () -> listener.healthy() && forwarder.healthy());
        } catch (RuntimeException e) {
            closeQuietly(forwarder);
            throw e;
        }
        Bridge bridge = new Bridge(listener, forwarder, endpoint);
        bridge.forwarderThread.start();
        bridge.listenerThread.start();
        return bridge;
    }

    /** Thread-safe, from a signal handler too. */
    void requestStop() {
        listener.requestStop();
        somethingEnded.countDown();
    }

    /**
     * Blocks until a stop is requested or one side ends, then stops both in order.
     *
     * @return the listener's exit code (0 after a requested stop)
     * @throws RuntimeException what ended either side, if it failed
     */
    int awaitStopped() throws InterruptedException {
        somethingEnded.await();
        listener.requestStop();
        listenerThread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        forwarder.stop();
        forwarderThread.join(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
        closeQuietly(forwarder);
        metrics.close();
        if (listenerThread.isAlive() || forwarderThread.isAlive()) {
            log.warn("the {} did not stop within {} s", listenerThread.isAlive() ? "listener" : "forwarder",
                    STOP_WAIT_SECONDS);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        Integer code = listenerExit.get();
        return code == null ? 0 : code;
    }

    private void runListener() {
        try {
            listenerExit.set(listener.run());
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        } finally {
            somethingEnded.countDown();
        }
    }

    private void runForwarder() {
        try {
            forwarder.run();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
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
