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
 * The listener's {@code dwb_listener_commit_duration_seconds} histogram, read from its {@code /metrics}: how long
 * Kafka took to commit each transaction during a phase (the difference of two readings).
 *
 * @param buckets cumulative count per upper bound in seconds ({@code +Inf} as {@link Double#POSITIVE_INFINITY})
 */
public record CommitDurations(Map<Double, Long> buckets) {
    private static final String BUCKET = "dwb_listener_commit_duration_seconds_bucket{le=\"";

    public static CommitDurations read(int metricsPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<Double, Long> buckets = new TreeMap<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith(BUCKET)) {
                String le = line.substring(BUCKET.length(), line.indexOf('"', BUCKET.length()));
                double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                buckets.put(bound, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return new CommitDurations(buckets);
    }

    /** What happened between {@code before} and this reading. */
    public CommitDurations since(CommitDurations before) {
        Map<Double, Long> diff = new TreeMap<>();
        buckets.forEach((bound, n) -> diff.put(bound, n - before.buckets.getOrDefault(bound, 0L)));
        return new CommitDurations(diff);
    }

    /** E.g. "412 commits: 80 % within 50 ms, 97 % within 250 ms, 3 over 1 s". */
    public String summary() {
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
}
