package io.dwb.bench;

import io.dwb.listener.ContinuityCheck;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * An engine-API-compatible event source on a Unix socket (Jetty's unix-domain connector): answers {@code /_ping},
 * {@code /version}, {@code /info}, {@code /containers/json}, and streams {@code /events} as Engine 26 does: chunked
 * HTTP/1.1, one event JSON plus newline per chunk, as fast as the reader takes them. {@code since} is honoured like
 * the engine's replay (events with {@code timeNano >= since}), but over the whole prepared sequence instead of the
 * engine's last 256, so a listener that disconnects (queue full) resumes and proves continuity instead of losing
 * events; as the engine's, a replay reaches back at most {@value #REPLAYED_BEFORE} events before the event a
 * resuming listener looks for (its {@code since} is {@link ContinuityCheck#REORDER_NANOS} before it): a second of
 * this sequence's events is far more than a real engine replays. After the last event the stream stays open and
 * idle, as the engine's does.
 */
public final class FakeEngine implements AutoCloseable {
    /** The engine's buffer. */
    static final int REPLAYED_BEFORE = 256;
    /** Unique per instance: the listener's transactional id and checkpoint key derive from it. */
    private final String engineId = "BENCH-" + java.util.UUID.randomUUID();

    /** The engine's ID as /info reports it: the listener's host id (record key, {@code host-id} header). */
    public String engineId() {
        return engineId;
    }

    private final Server server;
    private final Path socket;
    private final byte[][] events;
    private final long[] timeNanos;
    private final String name;
    /**
     * The engine's clock as /info reports it: fixed at one second after the first event, so that a listener's first
     * start (since = engine time - 2 s) replays the whole sequence however long the listener took to start.
     */
    private final long clockNanos;
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong firstWriteNanos = new AtomicLong();
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final AtomicLong written = new AtomicLong();
    /** Each event is written when the wall clock reaches its timeNano (a live host), not at once. */
    private final boolean paced;
    /**
     * How many events a subscriber may have after 0, 1, 2... calls of {@link #release()} (all of them after more):
     * a flood on an engine that was quiet until then, an event after a restart.
     */
    private final int[] stageEnds;
    /** Guarded by this. */
    private int releases;

    /**
     * @param events    the events in engine order, compact JSON without newline
     * @param timeNanos their timeNano, ascending
     */
    public FakeEngine(Path socket, String name, byte[][] events, long[] timeNanos) throws Exception {
        this(socket, name, events, timeNanos, false, new int[] {events.length});
    }

    /**
     * @param stageEnds how many events a subscriber gets at once, then after the first {@link #release()}, and so on;
     *                  every event after one more release
     */
    public FakeEngine(Path socket, String name, byte[][] events, long[] timeNanos, int... stageEnds)
            throws Exception {
        this(socket, name, events, timeNanos, false, stageEnds);
    }

    /**
     * An engine whose events happen at their own times: each is streamed when the wall clock ({@link EpochClock})
     * reaches its timeNano, so a listener is idle until the first and then publishes at the sequence's rate.
     */
    public static FakeEngine paced(Path socket, String name, byte[][] events, long[] timeNanos) throws Exception {
        return new FakeEngine(socket, name, events, timeNanos, true, new int[] {events.length});
    }

    private FakeEngine(Path socket, String name, byte[][] events, long[] timeNanos, boolean paced,
                       int[] stageEnds) throws Exception {
        this.paced = paced;
        this.stageEnds = stageEnds.clone();
        this.socket = socket;
        this.name = name;
        this.events = new byte[events.length][];
        for (int i = 0; i < events.length; i++) {
            this.events[i] = Arrays.copyOf(events[i], events[i].length + 1);
            this.events[i][events[i].length] = '\n';
        }
        this.timeNanos = timeNanos;
        this.clockNanos = (timeNanos.length == 0 ? 0 : timeNanos[0]) + 1_000_000_000L;
        Files.deleteIfExists(socket);
        server = new Server();
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory());
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(3_600_000); // an idle events stream stays open, as the engine's does
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.start();
    }

    /** For {@code --docker-host}. */
    public String dockerHost() {
        return "unix://" + socket;
    }

    /** System.nanoTime() of the first event written to any subscriber, 0 before. */
    public long firstWriteNanos() {
        return firstWriteNanos.get();
    }

    public int subscriptions() {
        return subscriptions.get();
    }

    /** Events written, over every subscription (replays count again). */
    public long written() {
        return written.get();
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = Request.getPathInContext(request);
            // docker-java may prefix an API version: /v1.45/events
            if (path.matches("^/v[0-9.]+/.*")) {
                path = path.substring(path.indexOf('/', 1));
            }
            switch (path) {
                case "/_ping" -> text(response, callback, "text/plain; charset=utf-8", "OK");
                case "/version" -> text(response, callback, "application/json",
                        "{\"Version\":\"26.1.5+bench\",\"ApiVersion\":\"1.45\",\"MinAPIVersion\":\"1.24\","
                                + "\"Os\":\"linux\",\"Arch\":\"amd64\"}");
                case "/info" -> text(response, callback, "application/json", "{\"ID\":\"" + engineId
                        + "\",\"Name\":\"" + name + "\",\"ServerVersion\":\"26.1.5+bench\",\"SystemTime\":\""
                        + ContractJson.rfc3339(clockNanos) + "\",\"Containers\":0}");
                case "/containers/json" -> text(response, callback, "application/json", "[]");
                case "/events" -> events(request, response, callback);
                default -> {
                    response.setStatus(404);
                    text(response, callback, "application/json", "{\"message\":\"page not found\"}");
                }
            }
            return true;
        }
    }

    private static void text(Response response, Callback callback, String type, String body) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put("Api-Version", "1.45");
        Content.Sink.write(response, true, body, callback);
    }

    private void events(Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        long since = since(query.getValue("since"));
        int from = since == Long.MIN_VALUE ? 0 : Math.max(firstAtOrAfter(since),
                firstAtOrAfter(since + ContinuityCheck.REORDER_NANOS) - REPLAYED_BEFORE);
        subscriptions.incrementAndGet();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put("Api-Version", "1.45");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            out.flush(); // headers first, before any event, as the engine does
            for (int i = from; i < events.length; i++) {
                if (paced && !awaitTime(timeNanos[i]) || !awaitReleased(i)) {
                    break;
                }
                firstWriteNanos.compareAndSet(0, System.nanoTime());
                written.incrementAndGet(); // before the write: a reader that got the chunk finds it counted
                out.write(events[i]); // one write, one chunk
                if (paced) {
                    out.flush();
                }
            }
            while (!closing.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                // idle and open until the subscriber leaves or the engine stops
            }
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e); // the subscriber disconnected
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        }
    }

    /** Lets every subscriber have the next stage of the events held back, as fast as it reads them. */
    public synchronized void release() {
        releases++;
        notifyAll();
    }

    /** Waits until event {@code index} is released; false when the engine closes first. */
    private synchronized boolean awaitReleased(int index) throws InterruptedException {
        while (index >= (releases < stageEnds.length ? stageEnds[releases] : events.length)) {
            if (closing.getCount() == 0) {
                return false;
            }
            wait(1_000);
        }
        return true;
    }

    /** Waits until the wall clock reaches {@code timeNano}; false when the engine closes first. */
    private boolean awaitTime(long timeNano) throws InterruptedException {
        long wait;
        while ((wait = timeNano - EpochClock.nowNanos()) > 0) {
            if (closing.await(Math.min(wait, 1_000_000_000L), java.util.concurrent.TimeUnit.NANOSECONDS)) {
                return false;
            }
        }
        return true;
    }

    /** The engine's since: Unix seconds with an optional fraction of up to 9 digits; absent = from the start. */
    static long since(String value) {
        if (value == null || value.isBlank()) {
            return Long.MIN_VALUE;
        }
        int dot = value.indexOf('.');
        if (dot < 0) {
            return Long.parseLong(value) * 1_000_000_000L;
        }
        String fraction = (value.substring(dot + 1) + "000000000").substring(0, 9);
        return Long.parseLong(value.substring(0, dot)) * 1_000_000_000L + Long.parseLong(fraction);
    }

    private int firstAtOrAfter(long nanos) {
        int i = Arrays.binarySearch(timeNanos, nanos);
        if (i < 0) {
            return -i - 1;
        }
        while (i > 0 && timeNanos[i - 1] == nanos) {
            i--;
        }
        return i;
    }

    @Override
    public void close() throws Exception {
        closing.countDown();
        server.stop();
        Files.deleteIfExists(socket);
    }
}
