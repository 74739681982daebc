package io.dwb.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.AlertJson;
import io.dwb.schemas.testing.JavaProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
