package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

class MetricsEndpointTest {
    @Command
    static final class WithMetrics {
        @Mixin
        MetricsOption metrics;
    }

    private static MetricsOption parse(String... args) {
        WithMetrics command = new WithMetrics();
        new CommandLine(command).parseArgs(args);
        return command.metrics;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** An IPv4 address of this host that is not loopback (the Docker engine's bridge at least). */
    private static InetAddress externalAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return address;
                    }
                }
            }
        }
        throw new AssertionError("this host has no IPv4 address besides loopback to test from");
    }

    private static void connect(InetAddress address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 5_000);
        }
    }

    @Test
    void byDefaultOnlyThisHostCanConnectAndMetricsAddressOpensItUp() throws Exception {
        InetAddress external = externalAddress();
        int port = freePort();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(parse("--metrics-port", String.valueOf(port))
                .binding(), new PrometheusRegistry(), new KafkaClientMetrics(), () -> true)) {
            assertThat(endpoint.address().getAddress().isLoopbackAddress()).isTrue();
            assertThatThrownBy(() -> connect(external, port)).as("from " + external)
                    .isInstanceOf(ConnectException.class);
        }
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(parse("--metrics-port", String.valueOf(port),
                "--metrics-address", "0.0.0.0").binding(), new PrometheusRegistry(), new KafkaClientMetrics(),
                () -> true)) {
            connect(external, port); // the same address reaches it now
        }
    }

    @Test
    void clientsThatSendHalfARequestNeitherBlockHealthzNorHoldTheirConnection() throws Exception {
        int port = freePort();
        List<Socket> stalled = new ArrayList<>();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(MetricsEndpoint.Binding.loopback(port),
                new PrometheusRegistry(), new KafkaClientMetrics(), () -> true)) {
            stall(stalled, port, MetricsEndpoint.THREADS - 1);
            assertThat(health(port, Duration.ofSeconds(2)).statusCode()).as("answered at once").isEqualTo(200);
            // More stalled clients than the endpoint has threads: answered once the request timeout closed some.
            stall(stalled, port, MetricsEndpoint.THREADS + 1);
            assertThat(health(port, Duration.ofSeconds(3L * MetricsEndpoint.REQUEST_TIMEOUT_SECONDS)).statusCode())
                    .isEqualTo(200);
            // Each stalled connection is closed by the server after the request timeout.
            for (Socket socket : stalled) {
                socket.setSoTimeout(1_000);
                await().atMost(Duration.ofSeconds(3L * MetricsEndpoint.REQUEST_TIMEOUT_SECONDS))
                        .until(() -> closedByServer(socket.getInputStream()));
            }
        } finally {
            for (Socket socket : stalled) {
                socket.close();
            }
        }
    }

    /**
     * A port held by someone else (any local user may take it first, or the process this one replaces still holds
     * it): an ERROR, and the process goes on, the endpoint listening once the port is free. It was exit 1: the
     * listener never started while someone held the port, and its host had no capture.
     */
    @Test
    void aPortHeldBySomeoneElseIsAnErrorThenListenedOnOnceFree() throws Exception {
        LogLines logged = LogLines.of(MetricsEndpoint.class).attach();
        ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        int port = held.getLocalPort();
        try (logged; MetricsEndpoint endpoint = MetricsEndpoint.start(MetricsEndpoint.Binding.loopback(port),
                new PrometheusRegistry(), new KafkaClientMetrics(), () -> true, Duration.ofMillis(100))) {
            assertThat(endpoint.address()).as("not listening while the port is held").isNull();
            assertThat(logged.events()).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.ERROR);
                assertThat(e.getFormattedMessage()).startsWith("cannot listen for metrics on 127.0.0.1 port " + port
                        + ": ").contains("Address already in use").endsWith("running without /metrics and "
                        + "/healthz, trying again every 0.1s");
            });
            held.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> endpoint.address() != null);
            assertThat(health(port, Duration.ofSeconds(2)).statusCode()).isEqualTo(200);
        } finally {
            held.close();
        }
    }

    /**
     * A fleet is upgraded a host at a time: which release each process runs, and the contract version its records
     * follow, is a series of its /metrics, as Prometheus' own build_info.
     */
    @Test
    void metricsSayWhichReleaseAndContractVersionTheProcessRuns() throws Exception {
        int port = freePort();
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(MetricsEndpoint.Binding.loopback(port),
                new PrometheusRegistry(), new KafkaClientMetrics(), () -> true)) {
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("dwb_build_info{contract=\"" + io.dwb.schemas.ContractVersion.CURRENT
                    + "\",version=\"" + BuildInfo.version() + "\"} 1");
        }
    }

    /**
     * A HEAD, given a body's length, made the JDK's server write two WARNING lines through java.util.logging, raw on
     * standard error: any local user could fill the journal with them. Now HEAD has the status and no body, and any
     * other method but GET is 405.
     */
    @Test
    void headIsAnsweredWithoutABodyOrALogLineAndOtherMethodsAreRefused() throws Exception {
        int port = freePort();
        java.util.logging.Logger server = java.util.logging.Logger.getLogger("com.sun.net.httpserver");
        List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                logged.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        server.addHandler(handler);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(MetricsEndpoint.Binding.loopback(port),
                new PrometheusRegistry(), new KafkaClientMetrics(), () -> false)) {
            HttpClient client = HttpClient.newHttpClient();
            for (String path : List.of("/metrics", "/healthz")) {
                HttpResponse<String> head = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).method("HEAD",
                        HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(head.statusCode()).as(path).isEqualTo(path.equals("/metrics") ? 200 : 503);
                assertThat(head.body()).as(path).isEmpty();
                HttpResponse<String> post = client.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(post.statusCode()).as(path).isEqualTo(405);
                assertThat(post.headers().firstValue("Allow")).as(path).hasValue("GET, HEAD");
            }
            assertThat(health(port, Duration.ofSeconds(10)).statusCode()).isEqualTo(503);
        } finally {
            server.removeHandler(handler);
        }
        assertThat(logged).extracting(java.util.logging.LogRecord::getMessage).isEmpty();
    }

    private static void stall(List<Socket> stalled, int port, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            stalled.add(socket);
        }
    }

    private static HttpResponse<String> health(int port, Duration timeout) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/healthz")).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean closedByServer(InputStream in) {
        try {
            return in.read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false; // still open
        } catch (IOException e) {
            return true; // reset
        }
    }
}
