package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.JavaProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Follows a standalone process's output (alerts are the lines that are JSON objects; log lines start with a
 * timestamp) and notes when each alert line was first seen, by this machine's clock, which is also the engine's.
 */
final class AlertWatch implements AutoCloseable {
    record Seen(JsonNode alert, long seenAtEpochNanos) {}

    private final JavaProcess process;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean running = true;
    private int linesRead;

    AlertWatch(JavaProcess process) {
        this.process = process;
        poller = new Thread(this::poll, "alert-watch");
        poller.setDaemon(true);
        poller.start();
    }

    private void poll() {
        while (running) {
            readNewLines();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void readNewLines() {
        String output = process.output();
        long now = System.currentTimeMillis() * 1_000_000L;
        String[] lines = output.split("\n", -1);
        // The last piece may be a line still being written: leave it for the next round.
        for (int i = linesRead; i < lines.length - 1; i++) {
            String line = lines[i];
            if (line.startsWith("{")) {
                seen.add(new Seen(AlertJson.ofLine(line), now));
            }
        }
        linesRead = Math.max(linesRead, lines.length - 1);
    }

    /** Every alert so far, in output order. */
    List<Seen> alerts() {
        readNewLines();
        return new ArrayList<>(seen);
    }

    /** Alerts about the container named {@code name}. */
    List<Seen> alertsFor(String name) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : alerts()) {
            if (name.equals(s.alert().path("docker").path("Actor").path("Attributes").path("name").asText(null))) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * After a restart, what was made while the process was down ({@code missed}, the engine's events of containers
     * named {@code name}): delivered once each, in the engine's order; or, when the engine no longer had them (other
     * tests' events pushed them out of its 256), one {@code checkpoint-not-replayed} gap over every one not delivered
     * (a resume that gave up on events the engine still had says a gap too), and nothing delivered twice. Judged once
     * delivery settled: what a replay after a gap still brings is there by then.
     */
    void assertResumedWithoutLoss(String name, List<JsonNode> missed, Duration within) {
        assertThat(missed).isNotEmpty();
        await().atMost(within).until(() -> alertsFor(name).size() >= missed.size() || !gaps().isEmpty());
        AtomicInteger seen = new AtomicInteger(-1);
        await().pollInterval(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30)).until(() -> {
            int n = alertsFor(name).size();
            return seen.getAndSet(n) == n;
        });
        List<JsonNode> delivered = alertsFor(name).stream().map(s -> s.alert().get("docker")).toList();
        List<JsonNode> gaps = gaps();
        if (gaps.isEmpty()) {
            assertThat(delivered).containsExactlyElementsOf(missed);
            return;
        }
        assertThat(delivered).doesNotHaveDuplicates();
        assertThat(gaps).hasSize(1);
        JsonNode gap = gaps.get(0).path("docker_bridge");
        assertThat(gaps.get(0).path("docker_host").path("id").asText()).isNotBlank();
        assertThat(gap.path("reason").asText()).as("%s", gap).isEqualTo("checkpoint-not-replayed");
        for (JsonNode event : missed) {
            if (!delivered.contains(event)) {
                assertThat(event.path("timeNano").asLong()).as("an event neither delivered nor in the gap %s: %s",
                        gap, event).isBetween(gap.path("fromNano").asLong(), gap.path("toNano").asLong());
            }
        }
    }

    /** Gap alerts ({@code docker_bridge.event == "gap"}). */
    List<JsonNode> gaps() {
        List<JsonNode> out = new ArrayList<>();
        for (Seen s : alerts()) {
            if ("gap".equals(s.alert().path("docker_bridge").path("event").asText(null))) {
                out.add(s.alert());
            }
        }
        return out;
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
    }
}
