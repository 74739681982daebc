package io.dwb.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The busybox containers the latency run pauses and unpauses on the real engine ($DOCKER_HOST): created with the
 * label dwb.test=true, no network, removed at close.
 */
public final class BenchContainers implements AutoCloseable {
    private final DockerClient client;
    private final List<String> ids = new ArrayList<>();

    public BenchContainers() {
        DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
        ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder().dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig()).maxConnections(32)
                .connectionTimeout(Duration.ofSeconds(10)).build();
        client = DockerClientImpl.getInstance(config, http);
        client.pingCmd().exec();
    }

    public DockerClient client() {
        return client;
    }

    /** A started busybox container sleeping for an hour; returns its id. */
    public String startSleeper(String name) {
        String image = System.getenv().getOrDefault("DWB_BUSYBOX_IMAGE", "local/busybox:1");
        String id = client.createContainerCmd(image).withName(name).withCmd("sleep", "3600")
                .withLabels(Map.of("dwb.test", "true"))
                .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none")).exec().getId();
        ids.add(id);
        client.startContainerCmd(id).exec();
        return id;
    }

    /**
     * How many pause/unpause events of containers whose name starts with {@code prefix} the engine itself reports
     * between the two times (GET /events?since&until): what should reach Wazuh.
     */
    public long engineEvents(String prefix, long sinceNanos, long untilNanos) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLong count = new java.util.concurrent.atomic.AtomicLong();
        client.eventsCmd().withSince(seconds(sinceNanos)).withUntil(seconds(untilNanos))
                .exec(new com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Event>() {
                    @Override
                    public void onNext(com.github.dockerjava.api.model.Event event) {
                        String action = event.getAction();
                        String name = event.getActor() == null || event.getActor().getAttributes() == null ? ""
                                : event.getActor().getAttributes().getOrDefault("name", "");
                        if (name.startsWith(prefix) && ("pause".equals(action) || "unpause".equals(action))) {
                            count.incrementAndGet();
                        }
                    }
                }).awaitCompletion(30, java.util.concurrent.TimeUnit.SECONDS);
        return count.get();
    }

    private static String seconds(long nanos) {
        return String.format("%d.%09d", nanos / 1_000_000_000L, nanos % 1_000_000_000L);
    }

    @Override
    public void close() throws IOException {
        for (String id : ids) {
            try {
                client.removeContainerCmd(id).withForce(true).exec();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        client.close();
    }
}
