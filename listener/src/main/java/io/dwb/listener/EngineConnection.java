package io.dwb.listener;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient.Request;
import com.github.dockerjava.transport.DockerHttpClient.Response;
import com.github.dockerjava.transport.SSLConfig;
import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.DurationArgument;
import io.dwb.runtime.LogText;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The Docker engine, through docker-java's low-level HTTP client so that every event keeps the exact JSON the
 * engine sent. Only read-only endpoints: {@code /_ping}, {@code /info}, {@code /events}, {@code /containers/json}.
 * Where it is and its TLS: {@link EngineAddress}. Thread-safe.
 */
public final class EngineConnection implements AutoCloseable {
    /**
     * The engine's answers, read whole already, so Jackson's size limits guard nothing here (the contract's factory
     * keeps no table of names either). Label keys are chosen by whoever runs a container: one over Jackson's 50,000
     * characters made the whole {@code /containers/json} answer unreadable, so no state snapshot followed any gap.
     */
    private static final ObjectReader ANSWERS = ContractJson.MAPPER.reader().with(ContractJson.MAPPER.getFactory()
            .copy().setStreamReadConstraints(StreamReadConstraints.builder().maxNameLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE).build()));

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long a short request may wait for the engine's next answer (a probe: the probe's timeout). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** What an answer other than 200 is quoted of. */
    static final int QUOTED_BODY_BYTES = 300;
    private final URI host;
    /** Where the engine is, as its address was given: what messages name. */
    private final EngineAddress address;
    /**
     * Short requests: bounded, so a hung engine is noticed. Null on a Unix socket, whose reads no socket timeout
     * reaches: each request there has a client of its own, closed by its {@link RequestDeadline}.
     */
    private final DockerHttpClient requests;
    /** Liveness probes: their own connection, with a timeout as short as the probe's. Null on a Unix socket. */
    private final DockerHttpClient probes;
    private final boolean unixSocket;
    /** The engine ID this host's identity was made of; null when {@code --host-name} gave it. */
    private volatile String engineId;
    private final EngineProbe.Settings probe;
    /** TLS of a {@code tcp://} engine ({@link CurrentTls}: renewed files for new connections), null for plain TCP. */
    private final SSLContext ssl;
    /** What docker-java's clients are given: the engine's TLS settings, or for a Unix socket {@link UnusedTls}. */
    private final SSLConfig transportTls;

    /**
     * @param probe how long one liveness probe ({@link #probe}) may take; also the TCP keepalive of the events
     *              connection on {@code tcp://} engines (first probe after the interval, then every timeout)
     */
    public EngineConnection(EngineAddress address, EngineProbe.Settings probe) {
        host = address.uri();
        this.address = address;
        this.probe = probe;
        // Made of the files once here (an error at start), and made again at a new connection once they are renewed.
        SSLContext context = address.tls() ? new CurrentTls(EngineTls.of(address.tlsDirectory())::current) : null;
        ssl = context;
        // For tcp:// docker-java chooses https or http by whether it has TLS settings: only a socket gets UnusedTls.
        // One context for every client, each new connection of theirs with the files' latest.
        transportTls = context != null ? () -> context : "unix".equals(host.getScheme()) ? UnusedTls.CONFIG : null;
        unixSocket = "unix".equals(host.getScheme());
        requests = unixSocket ? null : client(Kind.REQUEST);
        probes = unixSocket ? null : client(Kind.PROBE);
    }

    public EngineAddress host() {
        return address;
    }

    /** GET /_ping; throws {@link EngineUnavailable} with a readable reason when the engine does not answer. */
    public void ping() {
        get("/_ping");
    }

    /** GET /_ping on the probes' own connection, bounded by the probe timeout. */
    public void probe() {
        get(Kind.PROBE, "/_ping");
    }

    /** GET /info. */
    public JsonNode info() {
        return json(get("/info"));
    }

    public HostIdentity identity() {
        JsonNode info = info();
        if (!info.isObject()) { // no engine's answer (a proxy's): retried as an engine away, not taken for "no ID"
            throw new EngineUnavailable("the engine at " + address + " answered GET /info with no object: "
                    + LogText.bounded(info.toString(), QUOTED_BODY_BYTES));
        }
        return new HostIdentity(info.path("Name").asText(""), info.path("ID").asText(""));
    }

    /**
     * Who this host is on the topic: {@code --host-name}'s identity when given ({@code hostName} not null), else the
     * engine's, which must say its ID (the record key and the transactional id are made of it). One rule for the run
     * and for {@code --check}, which had said ok of an engine the run refused.
     */
    public HostIdentity hostIdentity(String hostName) {
        HostIdentity host = hostName != null ? HostIdentity.fromHostName(hostName) : identity();
        if (host.id().isBlank()) {
            // Exit 2: a restart would ask the same engine again (exit 1 was restarted every 10 s for good).
            throw new ConfigurationError("the engine at " + address + " reported no ID in GET /info; give "
                    + "--host-name");
        }
        engineId = hostName != null ? null : host.id();
        requireStableId();
        return host;
    }

    /** The engine's own clock in nanoseconds (its events' timeNano are measured with it). */
    public long engineNowNanos() {
        String time = info().path("SystemTime").asText(null);
        if (time == null) {
            return ContractJson.epochNanos(java.time.Instant.now());
        }
        return systemTime(time);
    }

    /**
     * The engine's clock as GET /info on the probes' connection gives it, within the probe timeout: a check that
     * must not hold a subscription up (a half-open engine took the main connection's 30 s, and a busy engine's
     * /info can take seconds). Empty when it does not answer in time or gives no time.
     */
    public OptionalLong engineNowNanosWithinProbeTimeout() {
        JsonNode info;
        try {
            info = json(get(Kind.PROBE, "/info"));
        } catch (EngineUnavailable e) {
            return OptionalLong.empty();
        }
        requireSameEngine(info.path("ID").asText(""));
        String time = info.path("SystemTime").asText(null);
        return time == null ? OptionalLong.empty() : OptionalLong.of(systemTime(time));
    }

    /**
     * Refuses an engine whose {@code GET /info} gives another ID each time (Podman's Docker API makes one up per
     * call): every start would be a new host (a new key, checkpoint and transactional id: what happened while the
     * listener was down lost without a gap, the old host said stopped), and two listeners on it would not fence each
     * other. Asked once more by {@link #hostIdentity}; nothing to check when {@code --host-name} named the host.
     */
    private void requireStableId() {
        if (engineId == null) {
            return;
        }
        String again = info().path("ID").asText("");
        if (anotherEngine(again)) {
            throw new ConfigurationError("the engine at " + address + " gives another ID at each GET /info ("
                    + engineId + ", then " + LogText.escaped(LogText.bounded(again, 200)) + "; Podman's Docker API "
                    + "makes one up per call; or the address reaches several engines, behind a balancing proxy): it "
                    + "cannot name this host; give --host-name");
        }
    }

    /**
     * Refuses another engine than the one this host's identity was made of ({@link #hostIdentity}, without {@code
     * --host-name}): its events would be published under the first one's name, key and transactional id.
     */
    private void requireSameEngine(String id) {
        if (anotherEngine(id)) {
            throw new EngineReplaced("the engine at " + address + " is another engine now: GET /info says ID "
                    + LogText.escaped(LogText.bounded(id, 200)) + ", this listener publishes as " + engineId
                    + " (a reinstalled engine, /var/lib/docker wiped; another host at this address); exiting, to "
                    + "start again as that engine (nothing of it was read)");
        }
    }

    /** Whether {@code id}, an ID GET /info gave, is another than this host's identity was made of. */
    private boolean anotherEngine(String id) {
        return engineId != null && !id.isBlank() && !id.equals(engineId);
    }

    private long systemTime(String time) {
        try {
            return ContractJson.epochNanos(OffsetDateTime.parse(time).toInstant());
        } catch (DateTimeParseException e) {
            throw new EngineUnavailable("the engine at " + address + " answered GET /info with a SystemTime that is no "
                    + "time: '" + LogText.bounded(time, 100) + "'", e);
        }
    }

    /**
     * One container of GET /containers/json. {@code cut}: it was longer than asked (or held a longer string), so
     * {@code json} is its beginning only.
     */
    public record Container(JsonNode json, boolean cut) {}

    /**
     * GET /containers/json?all=1, each container as the engine wrote it, one at a time as the answer streams in, each
     * cut to about {@code maxContainerBytes} before it is parsed ({@link ContainerListCap}): whoever runs a container
     * chooses its labels, and six of 4 MB each, read whole and then as one tree, filled the listener's heap; then one
     * 40 MB label, read as one string, did.
     */
    public void containers(int maxContainerBytes, Consumer<Container> each) {
        read(Kind.REQUEST, "/containers/json?all=1", in -> {
            ContainerListCap capped = new ContainerListCap(in, maxContainerBytes);
            try (JsonParser parser = ANSWERS.createParser(capped)) {
                if (parser.nextToken() != JsonToken.START_ARRAY) {
                    throw new EngineUnavailable("GET /containers/json did not answer a JSON array");
                }
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) {
                        throw new EngineUnavailable("GET /containers/json ended inside its array");
                    }
                    // A cut is counted as the bytes pass, before the container's end: the parser's read-ahead past
                    // it is far shorter than any cut.
                    long before = capped.cuts();
                    JsonNode container = ANSWERS.readTree(parser);
                    each.accept(new Container(container, capped.cuts() != before));
                }
            }
            return null;
        });
    }

    /**
     * A client for one events subscription: no response timeout (an idle stream stays open for hours), and its own
     * connection, so that closing the client cuts that socket at once, even while the request or a read hangs.
     */
    public DockerHttpClient eventsClient() {
        if ("tcp".equals(host.getScheme())) {
            return new KeepAliveEventsClient(host, ssl, CONNECT_TIMEOUT, probe.interval(), probe.timeout());
        }
        return new ApacheDockerHttpClient.Builder().dockerHost(host).sslConfig(transportTls)
                .connectionTimeout(CONNECT_TIMEOUT).build();
    }

    /** GET /events?since=... through {@code client}: the open response; the caller reads its body and closes it. */
    public Response openEvents(DockerHttpClient client, String since) {
        Request request = Request.builder().method(Request.Method.GET).path("/events?since=" + since).build();
        Response response;
        try {
            response = client.execute(request);
        } catch (RuntimeException e) {
            throw unavailable(e);
        }
        if (response.getStatusCode() != 200) {
            throw new EngineUnavailable("GET /events answered " + response.getStatusCode() + ": " + refusal(response));
        }
        return response;
    }

    private byte[] get(String path) {
        return get(Kind.REQUEST, path);
    }

    private byte[] get(Kind kind, String path) {
        return read(kind, path, InputStream::readAllBytes);
    }

    /** Which of the engine's connections a request goes on: how long its silence may last. */
    private enum Kind {
        REQUEST,
        PROBE
    }

    private Duration timeout(Kind kind) {
        return kind == Kind.PROBE ? probe.timeout() : REQUEST_TIMEOUT;
    }

    private DockerHttpClient client(Kind kind) {
        return new ApacheDockerHttpClient.Builder().dockerHost(host).sslConfig(transportTls)
                .connectionTimeout(kind == Kind.PROBE ? probe.timeout() : CONNECT_TIMEOUT)
                .responseTimeout(timeout(kind)).build();
    }

    /**
     * GET {@code path} as {@link #read(DockerHttpClient, String, BodyReader, RequestDeadline)}; on a Unix socket on a
     * client of its own, which its deadline closes when the engine stays silent past the timeout.
     */
    private <T> T read(Kind kind, String path, BodyReader<T> reader) {
        if (!unixSocket) {
            return read(kind == Kind.PROBE ? probes : requests, path, reader, null);
        }
        Duration timeout = timeout(kind);
        DockerHttpClient client = client(kind);
        try (RequestDeadline deadline = new RequestDeadline(client, timeout, System::nanoTime)) {
            try {
                return read(client, path, reader, deadline);
            } catch (EngineUnavailable e) {
                if (deadline.fired()) {
                    throw new EngineUnavailable("the Docker engine at " + address + " went silent on GET " + path
                            + " for " + DurationArgument.text(timeout) + " (it took the connection: hung?)", e);
                }
                throw e;
            }
        } finally {
            try {
                client.close();
            } catch (IOException e) {
                // its socket: nothing left to save
            }
        }
    }

    /** What the engine answers to one request, as it streams in. */
    @FunctionalInterface
    private interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /**
     * GET {@code path}, its body read by {@code reader} when the engine answers 200; any other answer, an answer that
     * is not JSON, or a failed connection is an {@link EngineUnavailable}.
     */
    private <T> T read(DockerHttpClient client, String path, BodyReader<T> reader, RequestDeadline deadline) {
        Request request = Request.builder().method(Request.Method.GET).path(path).build();
        try (Response response = client.execute(request)) {
            if (deadline != null) {
                deadline.touch();
            }
            if (response.getStatusCode() != 200) {
                throw new EngineUnavailable("GET " + path + " answered " + response.getStatusCode() + ": "
                        + refusal(response));
            }
            try (InputStream in = deadline == null ? response.getBody() : deadline.watching(response.getBody())) {
                return reader.read(in);
            }
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof EngineUnavailable u) {
                throw u;
            }
            throw unavailable(e);
        }
    }

    /** As for an engine away: retried with backoff (attempts permitting), never an unexpected exit. */
    private static EngineUnavailable notJson(IOException e) {
        return new EngineUnavailable("the engine answered something that is not JSON ("
                + LogText.bounded(e.getMessage(), 200) + ")", e);
    }

    private EngineUnavailable unavailable(Exception e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return new EngineUnavailable("cannot reach the Docker engine at " + address + ": " + why, e);
    }

    /**
     * The start of a refusal's body ({@link #quoted}); the response closed before its body is: closing the body first
     * read the rest of it, and a body without end held the thread for as long as it came (the response timeout never
     * fires while bytes flow).
     */
    private static String refusal(Response response) {
        try {
            return quoted(response.getBody());
        } catch (IOException e) {
            return "";
        } finally {
            response.close();
        }
    }

    /**
     * The start of a refusal's body, on one line: the engine's is a short JSON message, but a gateway or proxy in
     * front of it may answer a page of HTML, or a body without end, which was read whole and quoted in every retry's
     * line.
     */
    private static String quoted(InputStream in) throws IOException {
        byte[] start = in.readNBytes(QUOTED_BODY_BYTES + 1);
        String text = new String(start, 0, Math.min(start.length, QUOTED_BODY_BYTES), StandardCharsets.UTF_8);
        return LogText.escaped(text.strip()) + (start.length > QUOTED_BODY_BYTES ? "..." : "");
    }

    private static JsonNode json(byte[] body) {
        try {
            return ANSWERS.readTree(body);
        } catch (IOException e) {
            throw notJson(e);
        }
    }

    @Override
    public void close() {
        try {
            if (requests != null) {
                requests.close();
                probes.close();
            }
        } catch (IOException e) {
            // closing sockets: nothing left to save
        }
    }

    /**
     * Another engine answers at the address than the one this host's identity was made of: not retried (exit 1, and
     * the restart identifies the engine that answers now).
     */
    public static final class EngineReplaced extends RuntimeException {
        public EngineReplaced(String message) {
            super(message);
        }
    }

    /** The engine cannot be reached or refused a request; the message says which and why. */
    public static final class EngineUnavailable extends RuntimeException {
        public EngineUnavailable(String message) {
            super(message);
        }

        public EngineUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
