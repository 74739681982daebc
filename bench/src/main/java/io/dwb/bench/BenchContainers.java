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
     * Counts, live, the pause/unpause events of containers whose name starts with {@code prefix} that the engine
     * publishes from {@code sinceNanos} on (its own GET /events stream: the ground truth of what should reach
     * Wazuh; a replay with since/until would only reach back 256 events). Close it to stop.
     */
    public EngineCount countEvents(String prefix, long sinceNanos) {
        EngineCount count = new EngineCount(prefix);
        client.eventsCmd().withSince(seconds(sinceNanos)).exec(count);
        return count;
    }

    /** A live count of one phase's events; {@link #upTo} counts those up to a time. */
    public static final class EngineCount
            extends com.github.dockerjava.api.async.ResultCallback.Adapter<com.github.dockerjava.api.model.Event> {
        private final String prefix;
        /** {timeNano, arrival on this stream − timeNano} of each event, in nanoseconds. */
        private final java.util.concurrent.ConcurrentLinkedQueue<long[]> times =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        EngineCount(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void onNext(com.github.dockerjava.api.model.Event event) {
            String action = event.getAction();
            String name = event.getActor() == null || event.getActor().getAttributes() == null ? ""
                    : event.getActor().getAttributes().getOrDefault("name", "");
            if (name.startsWith(prefix) && ("pause".equals(action) || "unpause".equals(action))
                    && event.getTimeNano() != null) {
                times.add(new long[] {event.getTimeNano(), EpochClock.nowNanos() - event.getTimeNano()});
            }
        }

        public long upTo(long untilNanos) {
            return times.stream().filter(t -> t[0] <= untilNanos).count();
        }

        /**
         * How long the engine's own stream took to deliver each event up to a time, sorted: the floor under the
         * pipeline's latency, since the listener reads the same stream.
         */
        public List<Long> streamLatencies(long untilNanos) {
            return times.stream().filter(t -> t[0] <= untilNanos).map(t -> t[1]).sorted().toList();
        }
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
