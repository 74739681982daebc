package io.dwb.runtime;

import com.sun.net.httpserver.HttpExchange;
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
import java.util.concurrent.Executors;
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

    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    /** The address or port cannot be listened on now: perhaps not for long (exit 1). */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param registry     the process's own metrics
     * @param kafkaClients its Kafka clients, served once however many stages share them
     */
    public static MetricsEndpoint start(Binding binding, PrometheusRegistry registry, KafkaClientMetrics kafkaClients,
                                        BooleanSupplier healthy) {
        if (binding.port() == 0) {
            return new MetricsEndpoint(null);
        }
        // Exit 1, which systemd restarts, not 2 (a configuration error, which it does not): at boot, an address may
        // not be this host's yet (an IPv6 address still tentative, a VIP not assigned, a name not resolving yet) and a
        // port may still be held by the process this one replaces; exit 2 left the host without capture for good.
        HttpServer server;
        try {
            InetSocketAddress address = new InetSocketAddress(binding.address(), binding.port());
            if (address.isUnresolved()) {
                throw new Unavailable("cannot listen for metrics on " + binding.address()
                        + ": the name does not resolve to an address of this host", null);
            }
            server = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new Unavailable("cannot listen for metrics on " + binding.address() + " port "
                    + binding.port() + ": " + e.getMessage(), e);
        }
        // The process's own metrics, its Kafka clients', then the JVM's and the process's (memory, GC, threads, CPU,
        // resident memory): registered only when the endpoint runs, so a process without one loads none of their
        // classes.
        PrometheusRegistry served = new PrometheusRegistry();
        served.register((MultiCollector) registry::scrape);
        served.register(kafkaClients);
        JvmMetrics.builder().register(served);
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writer.write(body, served.scrape());
            respond(exchange, 200, writer.getContentType(), body.toByteArray());
        });
        server.createContext("/healthz", exchange -> {
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8",
                    (ok ? "ok\n" : "unhealthy\n").getBytes(StandardCharsets.UTF_8));
        });
        server.setExecutor(Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "metrics-endpoint");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        LoggerFactory.getLogger(MetricsEndpoint.class).info("metrics on {} port {}: /metrics and /healthz",
                server.getAddress().getAddress().getHostAddress(), server.getAddress().getPort());
        return new MetricsEndpoint(server);
    }

    /** The address it listens on; null when disabled. */
    public InetSocketAddress address() {
        return server == null ? null : server.getAddress();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body) {
        try (exchange; OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, body.length);
            out.write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
