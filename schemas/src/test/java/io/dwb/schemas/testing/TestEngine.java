package io.dwb.schemas.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.dwb.schemas.ContractJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The real Docker engine the tests run against ({@code DOCKER_HOST}, set by {@code bin/test}), with the few
 * operations tests need: busybox containers that make events, and the engine's own record of what happened.
 * A missing engine fails the test that uses it.
 */
public final class TestEngine implements AutoCloseable {
    /** The image {@code bin/test} builds from Debian's static busybox. */
    public static final String BUSYBOX = System.getenv().getOrDefault("DWB_BUSYBOX_IMAGE", "local/busybox:1");

    private final DockerClient client;

    public TestEngine() {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost()).sslConfig(config.getSSLConfig())
                .connectionTimeout(Duration.ofSeconds(10)).build();
        client = DockerClientImpl.getInstance(config, http);
        client.pingCmd().exec();
    }

    public DockerClient client() {
        return client;
    }

    /** A container name no other test uses, recognisable in the engine's events. */
    public static String uniqueName(String prefix) {
        return "dwb-test-" + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates and starts a busybox container that sleeps; returns its id. */
    public String startSleeper(String name) {
        String id = client.createContainerCmd(BUSYBOX).withName(name).withCmd("sleep", "3600")
                .withLabels(java.util.Map.of("dwb.test", "true"))
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig().withNetworkMode("none"))
                .exec().getId();
        client.startContainerCmd(id).exec();
        return id;
    }

    /** Removes a container whatever its state; ignores one that is already gone. */
    public void removeQuietly(String idOrName) {
        try {
            client.removeContainerCmd(idOrName).withForce(true).exec();
        } catch (RuntimeException e) {
            // already gone
        }
    }

    /**
     * Creates and removes volumes from {@code clients} parallel clients, {@code volumesPerClient} each, as fast as the
     * engine goes: two events a volume (create, destroy), named {@code <prefix>-<client>-<n>}. Returns once all are
     * done.
     */
    public void churnVolumes(String prefix, int clients, int volumesPerClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String client = prefix + "-" + c;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < volumesPerClient; i++) {
                        this.client.createVolumeCmd().withName(client + "-" + i).exec();
                        this.client.removeVolumeCmd(client + "-" + i).exec();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The engine's server time in nanoseconds since the epoch (what its events' timeNano are measured in). */
    public long engineNowNanos() {
        return engineNowNanos(client);
    }

    /** The server time of the engine {@code client} talks to, in nanoseconds since the epoch. */
    public static long engineNowNanos(DockerClient client) {
        String systemTime = client.infoCmd().exec().getSystemTime();
        java.time.Instant t = java.time.OffsetDateTime.parse(systemTime).toInstant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /**
     * What {@code docker events --since S --until U} reports: every event the engine still keeps in that window,
     * each as the whole JSON object it sent (unknown fields included), in engine order.
     */
    public List<JsonNode> events(long sinceNanos, long untilNanos) throws InterruptedException {
        List<JsonNode> events = new ArrayList<>();
        ResultCallback.Adapter<Event> callback = new ResultCallback.Adapter<>() {
            @Override
            public void onNext(Event event) {
                // Through the contract's mapper, so numbers compare equal to what a consumer of the topic parses.
                try {
                    events.add(ContractJson.tree(ContractJson.write(event.getRawValues())));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        client.eventsCmd().withSince(seconds(sinceNanos)).withUntil(seconds(untilNanos)).exec(callback);
        if (!callback.awaitCompletion(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the engine did not end GET /events?until within 30 s");
        }
        return events;
    }

    private static String seconds(long nanos) {
        return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    @Override
    public void close() throws IOException {
        client.close();
    }
}
