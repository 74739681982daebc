package io.dwb.listener;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * An engine API on 127.0.0.1 (the JDK's HTTP server; or on another address, or over TLS) that streams prepared bytes
 * as {@code GET /events}: for what the real engine will not produce (invalid UTF-8, NUL bytes, deep nesting) or not
 * fast enough (bursts of large events), and for {@code /containers/json} answers of any size. {@code since} is
 * honoured as the engine's replay does: back from the last event, up to the first one older than it (in a sequence in
 * time order, every event from {@code since} on; a listener that disconnects resumes and proves continuity). After the
 * last event the stream stays open, as the engine's does; events {@linkplain #append appended} go to later
 * subscriptions.
 */
final class ScriptedEngine implements AutoCloseable {
    /** One event as sent: its bytes (without the newline) and the timeNano {@code since} compares. */
    record Event(byte[] bytes, long timeNano) {}

    private final HttpServer server;
    /** Where it listens, as given: {@code 127.0.0.1}, {@code ::1}. */
    private final String address;
    /**
     * The API's base path ({@code /prefix}, as behind a gateway routing by path), empty for none; a request outside
     * it is answered 404.
     */
    private final String basePath;
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final byte[] containers;
    /** What {@code GET /info} says its ID is: another engine's once {@link #becomeAnotherEngine} was called. */
    private volatile String id = "SCRIPTED-" + UUID.randomUUID();
    /** Whether {@code GET /info} makes up a new ID at each call, as Podman's Docker API does. */
    private volatile boolean newIdAtEachInfo;
    /** The engine's clock: one second after the first event, so a first start replays the whole sequence. */
    private volatile long clockNanos;
    private final AtomicInteger subscriptions = new AtomicInteger();
    /** Counted down when the open streams end: {@link #endStreams} or {@link #close}. */
    private volatile CountDownLatch streamsEnd = new CountDownLatch(1);
    /** What {@code GET /info} answers instead of the engine's identity and clock; null for those. */
    private volatile byte[] infoAnswer;
    /** The TLS of the next connection (the server's context asks it: {@link CurrentTls}); null for none. */
    private volatile SSLContext tls;
    /** What every request is answered instead, as by a gateway in front of the engine; null for the engine. */
    private volatile Refusal refusal;
    /** Answers other than {@code /events} end their connection ({@link #oneRequestAConnection}). */
    private volatile boolean closeAfterAnswer;

    /** @param containers the answer to {@code GET /containers/json} */
    ScriptedEngine(List<Event> events, byte[] containers) throws IOException {
        this(events, containers, "127.0.0.1", null, "");
    }

    /**
     * An engine on 127.0.0.1 whose API is under {@code basePath} ({@code /prefix}: {@code GET /prefix/events}, as
     * the docker CLI asks of {@code tcp://host:port/prefix}); anything else is answered 404.
     */
    static ScriptedEngine underPath(List<Event> events, String basePath) throws IOException {
        if (!basePath.startsWith("/") || basePath.endsWith("/")) {
            throw new IllegalArgumentException("a base path is /name, not " + basePath);
        }
        return new ScriptedEngine(events, "[]".getBytes(StandardCharsets.UTF_8), "127.0.0.1", null, basePath);
    }

    /**
     * An engine on {@code address} (an IPv6 literal such as {@code ::1}, say), speaking TLS with {@code tls} (as
     * {@code dockerd --tlsverify} does: the client must show a certificate) unless it is null.
     */
    ScriptedEngine(List<Event> events, String address, SSLContext tls) throws IOException {
        this(events, "[]".getBytes(StandardCharsets.UTF_8), address, tls, "");
    }

    private ScriptedEngine(List<Event> events, byte[] containers, String address, SSLContext tls, String basePath)
            throws IOException {
        this.basePath = basePath;
        this.events.addAll(events);
        this.containers = containers;
        this.clockNanos = (events.isEmpty() ? 1_790_000_000_000_000_000L : events.get(0).timeNano())
                + 1_000_000_000L;
        this.address = address;
        InetSocketAddress bind = new InetSocketAddress(address, 0);
        if (tls == null) {
            server = HttpServer.create(bind, 0);
        } else {
            this.tls = tls;
            HttpsServer https = HttpsServer.create(bind, 0);
            // The server keeps the context it is given: one that makes each connection with this.tls, so that
            // tls(...) takes effect.
            https.setHttpsConfigurator(new HttpsConfigurator(new CurrentTls(() -> this.tls)) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters ssl = ScriptedEngine.this.tls.getDefaultSSLParameters();
                    ssl.setNeedClientAuth(true);
                    params.setSSLParameters(ssl);
                }
            });
            server = https;
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "scripted-engine");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(basePath.isEmpty() ? "/" : basePath + "/", this::handle);
        server.start();
    }

    ScriptedEngine(List<Event> events) throws IOException {
        this(events, "[]".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code count} events {@code action} of containers {@code <idPrefix>0}, {@code <idPrefix>1}..., each with one
     * label {@code pad} = {@code pad}, 1 µs apart from {@code t0} (nanoseconds).
     */
    static List<Event> paddedContainerEvents(int count, String action, String idPrefix, String pad, long t0) {
        List<Event> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long t = t0 + i * 1_000L;
            events.add(new Event(("{\"Type\":\"container\",\"Action\":\"" + action + "\",\"Actor\":{\"ID\":\""
                    + idPrefix + i + "\",\"Attributes\":{\"pad\":\"" + pad + "\"}},\"scope\":\"local\",\"time\":"
                    + t / 1_000_000_000L + ",\"timeNano\":" + t + "}").getBytes(StandardCharsets.UTF_8), t));
        }
        return events;
    }

    /** For {@code --docker-host}: its base path included. */
    String dockerHost() {
        return "tcp://" + (address.contains(":") ? "[" + address + "]" : address) + ":" + port() + basePath;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** Sets the engine's clock, which {@code GET /info} answers: a host clock stepped back, say. */
    void clock(long nanos) {
        clockNanos = nanos;
    }

    /** Makes {@code GET /info} say another ID from now on: another engine at the address (a reinstall). */
    void becomeAnotherEngine() {
        id = "SCRIPTED-" + UUID.randomUUID();
    }

    /** Makes {@code GET /info} make up a new ID at each call, as Podman's Docker API does. */
    void newIdAtEachInfo() {
        newIdAtEachInfo = true;
    }

    /** Makes {@code GET /info} answer {@code answer} (an engine behind a broken proxy); null for the real one. */
    void answerInfo(String answer) {
        infoAnswer = answer == null ? null : answer.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Speaks TLS with {@code next} from the next connection on, the client's certificate to be of its CA (dockerd
     * restarted with certificates of another CA); connections open keep theirs. For an engine made with TLS.
     */
    void tls(SSLContext next) {
        if (tls == null) {
            throw new IllegalStateException("an engine made without TLS speaks none");
        }
        tls = next;
    }

    /**
     * Makes every answer but {@code /events} end its connection ({@code Connection: close}): each request of a pooled
     * client is a new connection, with a new TLS handshake, as the first after an engine restart is.
     */
    void oneRequestAConnection() {
        closeAfterAnswer = true;
    }

    /** @param endless the body sent again and again, for as long as the client reads (a broken gateway's) */
    record Refusal(int status, byte[] body, boolean endless) {
        Refusal(int status, byte[] body) {
            this(status, body, false);
        }
    }

    /** Makes every request answered {@code refusal} (a gateway's error page); null for the engine's answers. */
    void refuse(Refusal refusal) {
        this.refusal = refusal;
    }

    /** Adds events to the sequence, for the subscriptions that follow. */
    void append(Event... more) {
        events.addAll(List.of(more));
    }

    /**
     * Makes later subscriptions replay {@code buffer} instead: the engine's buffer in another order than it handed
     * the events to an earlier subscriber (it appends under a lock, then publishes from a goroutine per subscriber).
     */
    void rebuffer(List<Event> buffer) {
        events.clear();
        events.addAll(buffer);
    }

    int subscriptions() {
        return subscriptions.get();
    }

    /** Ends the open event streams normally (the last chunk), as an engine shutting down does; later ones stay open. */
    void endStreams() {
        CountDownLatch ending = streamsEnd;
        streamsEnd = new CountDownLatch(1);
        ending.countDown();
    }

    private void handle(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        // The context is basePath + "/", so every path here begins with it.
        String path = uri.getPath().substring(basePath.length()).replaceFirst("^/v[0-9.]+/", "/");
        Refusal refused = refusal;
        if (refused != null) {
            exchange.sendResponseHeaders(refused.status(), refused.endless() ? 0 : refused.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                do {
                    out.write(refused.body());
                    out.flush();
                } while (refused.endless());
            } catch (IOException e) {
                // the client left
            }
            return;
        }
        switch (path) {
            case "/_ping" -> answer(exchange, "OK".getBytes(StandardCharsets.UTF_8));
            case "/info" -> answer(exchange, infoAnswer != null ? infoAnswer : ("{\"ID\":\""
                    + (newIdAtEachInfo ? "PODMAN-" + UUID.randomUUID() : id)
                    + "\",\"Name\":\"scripted\",\"SystemTime\":\"" + ContractJson.rfc3339(clockNanos) + "\"}")
                    .getBytes(StandardCharsets.UTF_8));
            case "/containers/json" -> answer(exchange, containers);
            case "/events" -> stream(exchange, since(uri.getQuery()));
            default -> {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
            }
        }
    }

    private void stream(HttpExchange exchange, long since) throws IOException {
        subscriptions.incrementAndGet();
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        CountDownLatch end = streamsEnd;
        exchange.sendResponseHeaders(200, 0); // chunked, as the engine's
        try (OutputStream out = exchange.getResponseBody()) {
            List<Event> sequence = List.copyOf(events);
            int from = sequence.size();
            while (from > 0 && sequence.get(from - 1).timeNano() >= since) {
                from--;
            }
            for (Event e : sequence.subList(from, sequence.size())) {
                out.write(e.bytes());
                out.write('\n');
                out.flush();
            }
            end.await();
        } catch (IOException e) {
            // the listener disconnected
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long since(String query) {
        for (String part : query == null ? new String[0] : query.split("&")) {
            if (part.startsWith("since=")) {
                String[] s = part.substring(6).split("\\.");
                long nanos = s.length > 1 ? Long.parseLong((s[1] + "000000000").substring(0, 9)) : 0;
                return Long.parseLong(s[0]) * 1_000_000_000L + nanos;
            }
        }
        return Long.MIN_VALUE;
    }

    private void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        if (closeAfterAnswer) {
            exchange.getResponseHeaders().add("Connection", "close");
        }
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        streamsEnd.countDown();
        server.stop(0);
    }
}
