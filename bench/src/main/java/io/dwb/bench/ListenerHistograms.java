package io.dwb.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The listener's own latency histograms, read from its {@code /metrics}: where an event's time went during a phase
 * (the difference of two readings), at the resolution of their buckets.
 *
 * @param histograms cumulative count per upper bound in seconds ({@code +Inf} as {@link Double#POSITIVE_INFINITY}),
 *                   by histogram: its name, and its labels other than {@code le} in braces when it has some
 */
public record ListenerHistograms(Map<String, Map<Double, Long>> histograms) {
    static final String COMMITS = "dwb_listener_commit_duration_seconds";
    static final String COMMIT_RECORDS = "dwb_listener_commit_step_duration_seconds{step=\"records\"}";
    static final String COMMIT_END = "dwb_listener_commit_step_duration_seconds{step=\"end\"}";
    static final String READ = "dwb_listener_read_latency_seconds";
    static final String WAIT = "dwb_listener_commit_wait_seconds";
    static final String PUBLISH = "dwb_listener_publish_latency_seconds";

    private static final String BUCKET = "_bucket{";

    public static ListenerHistograms read(int metricsPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return parse(response.body());
    }

    /** The {@code dwb_listener_*} histograms of a Prometheus text exposition. */
    static ListenerHistograms parse(String metrics) {
        Map<String, Map<Double, Long>> histograms = new TreeMap<>();
        for (String line : metrics.split("\n")) {
            int bucket = line.indexOf(BUCKET);
            if (!line.startsWith("dwb_listener_") || bucket < 0) {
                continue;
            }
            String labels = line.substring(bucket + BUCKET.length(), line.indexOf('}', bucket));
            String le = null;
            StringBuilder others = new StringBuilder();
            for (String label : labels.split(",")) {
                if (label.startsWith("le=\"")) {
                    le = label.substring(4, label.length() - 1);
                } else if (!label.isEmpty()) {
                    others.append(others.isEmpty() ? "" : ",").append(label);
                }
            }
            if (le == null) {
                continue;
            }
            String key = line.substring(0, bucket) + (others.isEmpty() ? "" : "{" + others + "}");
            double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            histograms.computeIfAbsent(key, k -> new TreeMap<>())
                    .put(bound, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
        }
        return new ListenerHistograms(histograms);
    }

    /** What happened between {@code before} and this reading. */
    public ListenerHistograms since(ListenerHistograms before) {
        Map<String, Map<Double, Long>> diff = new TreeMap<>();
        histograms.forEach((name, buckets) -> {
            Map<Double, Long> earlier = before.histograms.getOrDefault(name, Map.of());
            Map<Double, Long> d = new TreeMap<>();
            buckets.forEach((bound, n) -> d.put(bound, n - earlier.getOrDefault(bound, 0L)));
            diff.put(name, d);
        });
        return new ListenerHistograms(diff);
    }

    /** E.g. "412 commits: 80 % within 50 ms, 97 % within 250 ms, 3 over 1 s". */
    public String commitSummary() {
        Map<Double, Long> buckets = histograms.getOrDefault(COMMITS, Map.of());
        long total = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        if (total == 0) {
            return "no commits";
        }
        long within50 = buckets.getOrDefault(0.05, 0L);
        long within250 = buckets.getOrDefault(0.25, 0L);
        long overOne = total - buckets.getOrDefault(1.0, 0L);
        return String.format(Locale.ROOT, "%,d commits: %.0f %% within 50 ms, %.0f %% within 250 ms, %,d over 1 s",
                total, 100.0 * within50 / total, 100.0 * within250 / total, overOne);
    }

    /**
     * Each step of an event's time in the listener, as the bounds its p50 and p99 fall under, e.g. "engine to read
     * p50 <= 10 ms, p99 <= 25 ms; ...".
     */
    public String breakdown() {
        return "per event: engine time to read " + quantiles(READ) + "; read to its commit's start "
                + quantiles(WAIT) + "; engine time to committed " + quantiles(PUBLISH) + "; per commit: records "
                + "acknowledged " + quantiles(COMMIT_RECORDS) + ", then the transaction's end " + quantiles(COMMIT_END)
                + ", whole " + quantiles(COMMITS);
    }

    @Override
    public String toString() {
        return breakdown();
    }

    /** "p50 <= 10 ms, p99 <= 25 ms", or "none". */
    String quantiles(String name) {
        Map<Double, Long> buckets = histograms.getOrDefault(name, Map.of());
        long total = buckets.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        if (total == 0) {
            return "none";
        }
        return "p50 " + bound(buckets, total, 0.50) + ", p99 " + bound(buckets, total, 0.99);
    }

    /** The least upper bound under which at least {@code q} of the observations fall (nearest rank). */
    private static String bound(Map<Double, Long> buckets, long total, double q) {
        long rank = (long) Math.ceil(total * q);
        double below = 0;
        for (Map.Entry<Double, Long> b : buckets.entrySet()) { // in order: the maps are sorted
            if (b.getValue() >= rank) {
                return b.getKey().isInfinite() ? "> " + ms(below) : "<= " + ms(b.getKey());
            }
            below = b.getKey();
        }
        return "?";
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
    }
}
