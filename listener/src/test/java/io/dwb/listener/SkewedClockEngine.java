package io.dwb.listener;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * An engine-API event source on 127.0.0.1 (JDK HTTP server, chunked like the engine) with a clock of its own: its
 * {@code /info} SystemTime and its events' {@code time}/{@code timeNano} are the real time plus {@code skew}. Its
 * events are volume create/destroy pairs prepared at construction; {@code /events?since=} streams those at or after
 * {@code since}, then stays open, as the engine's stream does; a held engine streams them only once {@link
 * #release}d (the subscription open and empty until then).
 */
final class SkewedClockEngine implements AutoCloseable {
    private final HttpServer server;
    private final String id = UUID.randomUUID().toString().replace("-", "");
    private final List<Long> timeNanos = new ArrayList<>();
    private final List<byte[]> events = new ArrayList<>();
    /** Fixed one second after the first event: a first start (since = now - 2 s) replays them all. */
    private final long clockNanos;
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Counted down: the events are streamed. */
    private final CountDownLatch released;

    /** {@code volumes} volumes named {@code prefix-i}, created and destroyed, 1 ms apart, at real time + skew. */
    SkewedClockEngine(String prefix, int volumes, long skewNanos) throws IOException {
        this(prefix, volumes, skewNanos, false);
    }

    /** @param held its events are streamed once {@link #release}d, not at once */
    SkewedClockEngine(String prefix, int volumes, long skewNanos, boolean held) throws IOException {
        released = new CountDownLatch(held ? 1 : 0);
        long start = ContractJson.epochNanos(java.time.Instant.now()) + skewNanos;
        for (int i = 0; i < volumes; i++) {
            for (String action : List.of("create", "destroy")) {
                long t = start + timeNanos.size() * 1_000_000L;
                timeNanos.add(t);
                events.add(("{\"Type\":\"volume\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\"" + prefix + "-"
                        + i + "\",\"Attributes\":{\"driver\":\"local\"}},\"scope\":\"local\",\"time\":"
                        + Math.floorDiv(t, 1_000_000_000L) + ",\"timeNano\":" + t + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        clockNanos = start + 1_000_000_000L;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String dockerHost() {
        return "tcp://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A held engine streams its events, to subscriptions open and to come. */
    void release() {
        released.countDown();
    }

    /** The events' timeNano, in order. */
    List<Long> timeNanos() {
        return List.copyOf(timeNanos);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().replaceFirst("^/v[0-9.]+/", "/");
        exchange.getResponseHeaders().add("Api-Version", "1.45");
        switch (path) {
            case "/_ping" -> answer(exchange, "text/plain", "OK");
            case "/version" -> answer(exchange, "application/json", "{\"Version\":\"26.1.5+scripted\","
                    + "\"ApiVersion\":\"1.45\",\"MinAPIVersion\":\"1.24\",\"Os\":\"linux\",\"Arch\":\"amd64\"}");
            case "/info" -> answer(exchange, "application/json", "{\"ID\":\"" + id + "\",\"Name\":\"scripted\","
                    + "\"SystemTime\":\"" + ContractJson.rfc3339(clockNanos) + "\",\"Containers\":0}");
            case "/containers/json" -> answer(exchange, "application/json", "[]");
            case "/events" -> stream(exchange);
            default -> {
                byte[] body = "{\"message\":\"page not found\"}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            }
        }
    }

    private static void answer(HttpExchange exchange, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private void stream(HttpExchange exchange) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        long since = Long.MIN_VALUE;
        if (query != null && query.startsWith("since=")) {
            String[] parts = query.substring("since=".length()).split("\\.");
            since = Long.parseLong(parts[0]) * 1_000_000_000L
                    + (parts.length > 1 ? Long.parseLong((parts[1] + "000000000").substring(0, 9)) : 0);
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, 0); // chunked
        try (OutputStream out = exchange.getResponseBody()) {
            out.flush();
            while (!released.await(1, TimeUnit.SECONDS)) {
                if (closing.getCount() == 0) {
                    return;
                }
                out.flush(); // open and empty; a gone subscriber shows as an IOException here
            }
            for (int i = 0; i < events.size(); i++) {
                if (timeNanos.get(i) >= since) {
                    out.write(events.get(i));
                    out.flush();
                }
            }
            while (!closing.await(1, TimeUnit.SECONDS)) {
                out.flush(); // open and idle; a gone subscriber shows as an IOException here
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the subscriber left
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
    }
}
