package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A phase's share of the listener's histograms, read from two scrapes of its /metrics. */
class ListenerHistogramsTest {
    private static String scrape(long within10, long within25, long within100, long all) {
        return String.join("\n",
                "# TYPE dwb_listener_commit_wait_seconds histogram",
                "dwb_listener_commit_wait_seconds_bucket{le=\"0.01\"} " + within10,
                "dwb_listener_commit_wait_seconds_bucket{le=\"0.025\"} " + within25,
                "dwb_listener_commit_wait_seconds_bucket{le=\"0.1\"} " + within100,
                "dwb_listener_commit_wait_seconds_bucket{le=\"+Inf\"} " + all,
                "dwb_listener_commit_wait_seconds_count " + all,
                "dwb_listener_commit_step_duration_seconds_bucket{step=\"end\",le=\"0.005\"} " + within10,
                "dwb_listener_commit_step_duration_seconds_bucket{step=\"end\",le=\"+Inf\"} " + all,
                "dwb_listener_commit_step_duration_seconds_bucket{step=\"records\",le=\"0.005\"} 0",
                "dwb_listener_commit_step_duration_seconds_bucket{step=\"records\",le=\"+Inf\"} " + all,
                "dwb_forwarder_delivery_latency_seconds_bucket{le=\"+Inf\"} 7", "");
    }

    @Test
    void aPhaseIsWhatItsTwoScrapesDifferBy() {
        ListenerHistograms before = ListenerHistograms.parse(scrape(1_000, 1_000, 1_000, 1_000));
        // 100 events in the phase: 90 within 10 ms, 9 more within 25 ms, the last one over 100 ms
        ListenerHistograms phase = ListenerHistograms.parse(scrape(1_090, 1_099, 1_099, 1_100)).since(before);

        assertThat(phase.quantiles(ListenerHistograms.WAIT)).isEqualTo("p50 <= 10 ms, p99 <= 25 ms");
        assertThat(phase.quantiles(ListenerHistograms.COMMIT_END)).as("a labelled histogram")
                .isEqualTo("p50 <= 5 ms, p99 > 5 ms");
        assertThat(phase.quantiles(ListenerHistograms.COMMIT_RECORDS)).isEqualTo("p50 > 5 ms, p99 > 5 ms");
        assertThat(phase.quantiles(ListenerHistograms.READ)).as("not scraped").isEqualTo("none");
        assertThat(phase.histograms()).as("only the listener's").doesNotContainKey(
                "dwb_forwarder_delivery_latency_seconds");
    }

    @Test
    void theLastEventOverTheLastBoundIsThePercentileWhenOnlyOneInAHundredIsFaster() {
        ListenerHistograms phase = ListenerHistograms.parse(scrape(0, 0, 1, 100));

        assertThat(phase.quantiles(ListenerHistograms.WAIT)).isEqualTo("p50 > 100 ms, p99 > 100 ms");
    }
}
