package io.dwb.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/**
 * {@code --metrics-port}: Prometheus text at {@code /metrics}, and {@code /healthz} answering 200 {@code ok} or
 * 503 {@code unhealthy} for orchestrators' probes. On {@code 127.0.0.1} unless {@code --metrics-address} says
 * otherwise; port 0 means no endpoint. {@value #THREADS} daemon threads, and a request or response that takes longer
 * than {@value #REQUEST_TIMEOUT_SECONDS} s has its connection closed, so a client that sends half a request holds one
 * thread for that long at most and never blocks {@code /healthz}.
 */
public final class MetricsEndpoint implements AutoCloseable {
    static final int THREADS = 4;
    static final int REQUEST_TIMEOUT_SECONDS = 5;

    static {
        // The JDK server's only request timeouts are these JVM-wide properties, read once when its first server is
        // created; a value given on the command line (-D) wins.
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_TIMEOUT_SECONDS));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", String.valueOf(REQUEST_TIMEOUT_SECONDS));
    }

    /** Where to listen: {@code --metrics-address} and {@code --metrics-port}; port 0 = no endpoint. */
    public record Binding(String address, int port) {
        public static Binding loopback(int port) {
            return new Binding(MetricsOption.DEFAULT_ADDRESS, port);
        }
    }

    /** How long after a failed bind it is tried again. */
    static final Duration BIND_RETRY = Duration.ofSeconds(30);
    private static final org.slf4j.Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    private final Binding binding;
    private final HttpHandler metrics;
    private final HttpHandler health;
    /** Tries the bind again while it fails; null when it did not fail, or when disabled. */
    private final ScheduledExecutorService retries;
    private volatile HttpServer server;
    private boolean closed;

    private MetricsEndpoint(Binding binding, HttpHandler metrics, HttpHandler health,
                            ScheduledExecutorService retries) {
        this.binding = binding;
        this.metrics = metrics;
        this.health = health;
        this.retries = retries;
    }

    /**
     * @param registry     the process's own metrics
     * @param kafkaClients its Kafka clients, served once however many stages share them
     */
    public static MetricsEndpoint start(Binding binding, PrometheusRegistry registry, KafkaClientMetrics kafkaClients,
                                        BooleanSupplier healthy) {
        return start(binding, registry, kafkaClients, healthy, BIND_RETRY);
    }

    /**
     * An address or port that cannot be listened on is an ERROR, not a stop: the process goes on without {@code
     * /metrics} and {@code /healthz} and tries again every {@code retryEvery} until it can. At boot an address may not
     * be this host's yet (an IPv6 address still tentative, a VIP not assigned, a name not resolving yet), a port may
     * still be held by the process this one replaces, and any local user may take the port first: exit 1 left the
     * host without capture for as long as someone held it (exit 2, before, for good).
     */
    static MetricsEndpoint start(Binding binding, PrometheusRegistry registry, KafkaClientMetrics kafkaClients,
                                 BooleanSupplier healthy, Duration retryEvery) {
        if (binding.port() == 0) {
            return new MetricsEndpoint(binding, null, null, null);
        }
        // The process's own metrics, its Kafka clients', then the JVM's and the process's (memory, GC, threads, CPU,
        // resident memory): registered only when the endpoint runs, so a process without one loads none of their
        // classes.
        PrometheusRegistry served = new PrometheusRegistry();
        served.register((MultiCollector) registry::scrape);
        served.register(kafkaClients);
        BuildInfo.register(served);
        JvmMetrics.builder().register(served);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        RenderedScrape scrape = new RenderedScrape(() -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            try {
                writer.write(body, served.scrape());
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e); // a byte array's stream: never
            }
            return body.toByteArray();
        }, System::nanoTime);
        HttpHandler metrics = readOnly(exchange -> respond(exchange, 200, writer.getContentType(), scrape.body()));
        HttpHandler health = readOnly(exchange -> {
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8",
                    (ok ? "ok\n" : "unhealthy\n").getBytes(StandardCharsets.UTF_8));
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(binding, metrics, health, null);
        try {
            endpoint.listen();
            return endpoint;
        } catch (IOException e) {
            log.error("cannot listen for metrics on {} port {}: {}; running without /metrics and /healthz, trying "
                    + "again every {}", binding.address(), binding.port(), e.getMessage(),
                    retryEvery.toString().substring(2).toLowerCase(Locale.ROOT)); // PT30S: 30s
        }
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics-endpoint-bind");
            t.setDaemon(true);
            return t;
        });
        endpoint = new MetricsEndpoint(binding, metrics, health, retries);
        retries.scheduleWithFixedDelay(endpoint::retry, retryEvery.toMillis(), retryEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        return endpoint;
    }

    private void retry() {
        try {
            listen();
            retries.shutdown();
        } catch (IOException | RuntimeException e) { // a RuntimeException would end the retries without a word
            log.debug("metrics on {} port {} still cannot be listened on: {}", binding.address(), binding.port(),
                    e.toString());
        }
    }

    private synchronized void listen() throws IOException {
        if (closed) {
            return;
        }
        InetSocketAddress address = new InetSocketAddress(binding.address(), binding.port());
        if (address.isUnresolved()) {
            throw new IOException("the name does not resolve to an address of this host");
        }
        HttpServer bound = HttpServer.create(address, 16);
        bound.createContext("/metrics", metrics);
        bound.createContext("/healthz", health);
        bound.setExecutor(Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "metrics-endpoint");
            t.setDaemon(true);
            return t;
        }));
        bound.start();
        server = bound;
        log.info("metrics on {} port {}: /metrics and /healthz",
                bound.getAddress().getAddress().getHostAddress(), bound.getAddress().getPort());
    }

    /** The address it listens on; null when disabled, or while it cannot listen. */
    public InetSocketAddress address() {
        HttpServer bound = server;
        return bound == null ? null : bound.getAddress();
    }

    /**
     * GET answered by {@code handler}; HEAD with its status and no body; any other method 405. Given a body's length
     * for a HEAD, the JDK's server wrote two WARNING lines through java.util.logging, raw on standard error, outside
     * this process's log format: any local user could fill the journal with them (1,000 lines in 0.4 s), to the point
     * where journald drops the process's own lines.
     */
    private static HttpHandler readOnly(HttpHandler handler) {
        return exchange -> {
            String method = exchange.getRequestMethod();
            if (method.equals("GET") || method.equals("HEAD")) {
                handler.handle(exchange);
                return;
            }
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            respond(exchange, 405, "text/plain; charset=utf-8",
                    "only GET and HEAD\n".getBytes(StandardCharsets.UTF_8));
        };
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) {
        boolean head = exchange.getRequestMethod().equals("HEAD");
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, head ? -1 : body.length);
            if (!head) {
                out.write(body);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (retries != null) {
            retries.shutdownNow();
        }
        if (server != null) {
            server.stop(0);
        }
    }
}
