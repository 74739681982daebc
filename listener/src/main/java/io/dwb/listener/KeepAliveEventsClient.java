package io.dwb.listener;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NameValuePair;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * The events connection to a {@code tcp://} engine with TCP keepalive, so that the kernel itself notices a peer
 * that vanished even when the engine still answers probes on other connections. httpclient5 (docker-java's own
 * transport) is used directly because docker-java's builder sets no socket options. GET only: all the listener asks.
 * A path in the address ({@code tcp://host:port/prefix}, the docker CLI's API base path) prefixes every request, as
 * docker-java prefixes {@code /_ping}, {@code /info} and {@code /containers/json} on the other connections: without
 * it the events were asked of another path than the engine that answered the probes (a 404, retried forever, or
 * behind a gateway routing by path, another engine's events under this host's id).
 */
final class KeepAliveEventsClient implements DockerHttpClient {
    /** Unanswered keepalive probes before the kernel drops the connection. */
    static final int KEEPALIVE_PROBES = 3;

    private final CloseableHttpClient http;
    private final HttpHost target;
    /** The address's raw path without one trailing slash, as docker-java's: empty for none or {@code /}. */
    private final String pathPrefix;

    /**
     * @param ssl       the TLS context of {@code DOCKER_TLS_VERIFY}/{@code DOCKER_CERT_PATH}, null for plain TCP
     * @param keepIdle  idle time before the first keepalive probe
     * @param keepEvery time between keepalive probes
     */
    KeepAliveEventsClient(URI dockerHost, SSLContext ssl, Duration connectTimeout, Duration keepIdle,
                          Duration keepEvery) {
        PoolingHttpClientConnectionManagerBuilder connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultSocketConfig(socketConfig(keepIdle, keepEvery))
                .setDefaultConnectionConfig(connectionConfig(connectTimeout));
        if (ssl != null) {
            connections.setTlsSocketStrategy(new DefaultClientTlsStrategy(ssl));
        }
        http = HttpClients.custom().setConnectionManager(connections.build()).disableAutomaticRetries()
                .setDefaultRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED).build())
                .disableRedirectHandling().build();
        target = new HttpHost(ssl != null ? "https" : "http", dockerHost.getHost(), dockerHost.getPort());
        pathPrefix = pathPrefix(dockerHost);
    }

    /**
     * Keepalive, and no read timeout: an events stream is silent while the engine is quiet, for hours on an idle host.
     * httpclient5's default of 3 minutes cut every quiet {@code tcp://} host's stream (docker-java's {@code unix://}
     * client sets none): a reconnection every 3 minutes, /healthz 503 a moment, and a gap each time on a host whose
     * engine no longer had the checkpointed event. The peer's vanishing is the keepalive's and the probe's to find.
     */
    static SocketConfig socketConfig(Duration keepIdle, Duration keepEvery) {
        return SocketConfig.custom().setSoTimeout(Timeout.DISABLED).setSoKeepAlive(true)
                .setTcpKeepIdle(seconds(keepIdle)).setTcpKeepInterval(seconds(keepEvery))
                .setTcpKeepCount(KEEPALIVE_PROBES).build();
    }

    /** The connect timeout; no read timeout once connected ({@link #socketConfig}). */
    static ConnectionConfig connectionConfig(Duration connectTimeout) {
        return ConnectionConfig.custom().setConnectTimeout(Timeout.of(connectTimeout))
                .setSocketTimeout(Timeout.DISABLED).build();
    }

    /** What docker-java's {@code ApacheDockerHttpClientImpl} puts before each path on a {@code tcp://} host. */
    static String pathPrefix(URI dockerHost) {
        String path = dockerHost.getRawPath();
        if (path == null) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static int seconds(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toSeconds()));
    }

    @Override
    public Response execute(Request request) {
        if (!"GET".equals(request.method())) {
            throw new IllegalArgumentException("only GET is used on the events connection, not " + request.method());
        }
        HttpGet get = new HttpGet(URI.create(pathPrefix + request.path()));
        try {
            return new Opened(get, http.executeOpen(target, get, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    /** An open response; closing it cuts the connection (a stream of events has no end to read up to). */
    private record Opened(HttpGet request, ClassicHttpResponse response) implements Response {
        @Override
        public int getStatusCode() {
            return response.getCode();
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            return Stream.of(response.getHeaders()).collect(Collectors.groupingBy(NameValuePair::getName,
                    Collectors.mapping(NameValuePair::getValue, Collectors.toList())));
        }

        @Override
        public String getHeader(String name) {
            Header header = response.getFirstHeader(name);
            return header == null ? null : header.getValue();
        }

        @Override
        public InputStream getBody() {
            try {
                return response.getEntity() == null ? InputStream.nullInputStream()
                        : response.getEntity().getContent();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            request.cancel();
            try {
                response.close();
            } catch (IOException e) {
                // cancelled: the connection is already closed
            }
        }
    }
}
