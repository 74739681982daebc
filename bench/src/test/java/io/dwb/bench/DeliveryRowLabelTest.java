package io.dwb.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The delivery row says the dedup window its runs are given. It said "default settings: dedup window 10,000" while
 * the forwarder's default is 200,000: a reader took the figure for the default's.
 */
class DeliveryRowLabelTest {
    @Test
    void theDeliveryRowNamesTheDedupWindowItRanWith() {
        assertThat(BenchMain.forwarderDefaultDedupWindow()).isEqualTo(200_000);
        assertThat(BenchMain.deliveryRowLabel("1,000,000")).isEqualTo("Delivery: forwarder, topic → datagrams "
                + "(1,000,000 events, default settings but `--dedup-window 10000` (the forwarder's default: 200,000); "
                + "the faster of two runs)");
    }
}
