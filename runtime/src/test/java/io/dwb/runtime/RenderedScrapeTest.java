package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A scraper in a loop gets the same body within a second: one collection (two stops of the JVM) a second at most. */
class RenderedScrapeTest {
    private long now = 5_000_000_000L;

    @Test
    void requestsWithinASecondShareOneCollection() {
        AtomicInteger collections = new AtomicInteger();
        RenderedScrape scrape = new RenderedScrape(() -> ("collection " + collections.incrementAndGet())
                .getBytes(StandardCharsets.UTF_8), () -> now);
        for (int i = 0; i < 1_000; i++) {
            assertThat(new String(scrape.body(), StandardCharsets.UTF_8)).isEqualTo("collection 1");
            now += RenderedScrape.FRESH_NANOS / 1_001;
        }
        now += RenderedScrape.FRESH_NANOS;
        assertThat(new String(scrape.body(), StandardCharsets.UTF_8)).isEqualTo("collection 2");
        assertThat(collections).hasValue(2);
    }
}
