package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StageLatencyTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final StageLatency latency = new StageLatency(registry, "dwb_test_latency_seconds", "test");

    @Test
    void servesCumulativeBucketsInSecondsWithSumAndCount() throws IOException {
        latency.observeNanos(5_000_000L); // 5 ms
        latency.observeNanos(10_000_000L); // 10 ms: on a bound, counted in it
        latency.observeNanos(2_000_000_000L); // 2 s
        latency.observeNanos(7_200_000_000_000L); // 2 h: a backlog after an outage

        String text = exposition();
        assertThat(text).contains("dwb_test_latency_seconds_bucket{le=\"0.01\"} 2\n",
                "dwb_test_latency_seconds_bucket{le=\"1.0\"} 2\n",
                "dwb_test_latency_seconds_bucket{le=\"2.5\"} 3\n",
                "dwb_test_latency_seconds_bucket{le=\"3600.0\"} 3\n",
                "dwb_test_latency_seconds_bucket{le=\"+Inf\"} 4\n",
                "dwb_test_latency_seconds_count 4\n",
                "dwb_test_latency_seconds_sum 7202.015\n");
        assertThat(latency.count()).isEqualTo(4);
    }

    @Test
    void theBucketsAreTheDocumentedOnesAndTheSameInEveryStage() throws IOException {
        // What docs/listener.md and docs/forwarder.md list, which dashboards and alert rules are written from.
        for (String doc : new String[] {"listener.md", "forwarder.md"}) {
            Matcher listed = Pattern.compile("Buckets \\(s\\): ([0-9., ]+[0-9])")
                    .matcher(Files.readString(Path.of("..", "docs", doc)));
            assertThat(listed.find()).as("docs/%s lists the buckets", doc).isTrue();
            assertThat(Arrays.stream(listed.group(1).split(",\\s*")).mapToDouble(Double::parseDouble).toArray())
                    .as("docs/%s", doc).containsExactly(StageLatency.BUCKETS);
        }
        new StageLatency(registry, "dwb_other_latency_seconds", "another stage");
        String text = exposition();
        for (double bound : StageLatency.BUCKETS) {
            for (String name : new String[] {"dwb_test_latency_seconds", "dwb_other_latency_seconds"}) {
                assertThat(text).contains(name + "_bucket{le=\"" + bound + "\"}");
            }
        }
        assertThat(text.lines().filter(l -> l.startsWith("dwb_test_latency_seconds_bucket")))
                .hasSize(StageLatency.BUCKETS.length + 1);
    }

    @Test
    void aNegativeLatencyFromClocksApartCountsAsZeroSoTheCountStillMatchesTheEvents() throws IOException {
        latency.observeNanos(-3_000_000_000L); // the engine's clock 3 s ahead of this host's

        assertThat(exposition()).contains("dwb_test_latency_seconds_bucket{le=\"0.01\"} 1\n",
                "dwb_test_latency_seconds_count 1\n", "dwb_test_latency_seconds_sum 0.0\n");
    }

    @Test
    void aNameNotInSecondsIsRefused() {
        assertThatThrownBy(() -> new StageLatency(registry, "dwb_test_latency_ms", "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("_seconds");
    }

    private String exposition() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
