package io.dwb.schemas.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
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
 * 503 {@code unhealthy} for orchestrators' probes. One daemon thread; port 0 means no endpoint.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    public static MetricsEndpoint start(int port, PrometheusRegistry registry, BooleanSupplier healthy) {
        if (port == 0) {
            return new MetricsEndpoint(null);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new ConfigurationError("cannot listen for metrics on port " + port + ": " + e.getMessage(), e);
        }
        PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
        server.createContext("/metrics", exchange -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            writer.write(body, registry.scrape());
            respond(exchange, 200, writer.getContentType(), body.toByteArray());
        });
        server.createContext("/healthz", exchange -> {
            boolean ok = healthy.getAsBoolean();
            respond(exchange, ok ? 200 : 503, "text/plain; charset=utf-8",
                    (ok ? "ok\n" : "unhealthy\n").getBytes(StandardCharsets.UTF_8));
        });
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-endpoint");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        LoggerFactory.getLogger(MetricsEndpoint.class).info("metrics on port {}: /metrics and /healthz",
                server.getAddress().getPort());
        return new MetricsEndpoint(server);
    }

    /** The port it listens on (useful with port -1 meaning "any free port" in tests); 0 when disabled. */
    public int port() {
        return server == null ? 0 : server.getAddress().getPort();
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
