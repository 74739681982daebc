package io.dwb.forwarder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Notices hosts whose listener stopped sending heartbeats: silent for three of its own intervals means the
 * listener, its host or its link to Kafka is down, and events may be piling up or being lost there. Raised once,
 * until a heartbeat of that host is seen again. Times are this process's monotonic clock when the heartbeat was
 * consumed, so a listener's clock skew does not matter; while delivery is paused nothing is consumed, so
 * {@link #forgive(long)} restarts every clock when it resumes.
 */
public final class SilentHostWatch {
    private static final int MISSED_INTERVALS = 3;

    private final Map<String, Watched> hosts = new HashMap<>();

    /** A host that went silent. */
    public record Silent(HostRef host, long intervalSeconds, long silentSeconds, long lastHeartbeatNano) {}

    private static final class Watched {
        HostRef host;
        long intervalNanos;
        long seenAt;
        long lastHeartbeatNano;
        boolean reported;
    }

    public void heartbeat(HostRef host, long intervalSeconds, long heartbeatTimeNano, long nowNanos) {
        Watched w = hosts.computeIfAbsent(host.key(), k -> new Watched());
        w.host = host;
        w.intervalNanos = Math.max(1, intervalSeconds) * 1_000_000_000L;
        w.seenAt = nowNanos;
        w.lastHeartbeatNano = heartbeatTimeNano;
        w.reported = false;
    }

    /** Hosts that just crossed three missed intervals; each is returned once until it is heard again. */
    public List<Silent> newlySilent(long nowNanos) {
        List<Silent> silent = new ArrayList<>();
        for (Watched w : hosts.values()) {
            long quiet = nowNanos - w.seenAt;
            if (!w.reported && quiet > MISSED_INTERVALS * w.intervalNanos) {
                w.reported = true;
                silent.add(new Silent(w.host, w.intervalNanos / 1_000_000_000L, quiet / 1_000_000_000L,
                        w.lastHeartbeatNano));
            }
        }
        return silent;
    }

    /** After a pause of delivery: heartbeats were not consumed, not missing. */
    public void forgive(long nowNanos) {
        for (Watched w : hosts.values()) {
            w.seenAt = Math.max(w.seenAt, nowNanos);
        }
    }
}
