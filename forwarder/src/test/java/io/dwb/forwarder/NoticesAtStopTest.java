package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * What a stop hands to the outbox of the notices queued ({@link AlertPipeline#noticesAtStop}): what nobody would say
 * after it (history skipped, records Kafka deleted, dead letters), at most {@link AlertPipeline#MAX_SAID_AT_STOP},
 * unpaced; not a partition's state, which its next owner judges again and says.
 */
class NoticesAtStopTest {
    private static final String TOPIC = "events";
    private static final long NOW_MS = 1_764_000_000_000L;

    @Test
    void aStopHandsWhatNobodyWouldSayAfterItAndNotAPartitionsState() {
        List<String> received = new CopyOnWriteArrayList<>();
        long now = 1_000_000_000_000L;
        AlertPipeline pipeline = TestRecords.livePipeline(TOPIC, received, new ForwarderMetrics(), NOW_MS,
                () -> now);
        TopicPartition p0 = new TopicPartition(TOPIC, 0);
        pipeline.partitionChanged(new StalledPartitions.Stalled(p0, 41, 7, 150_000_000_000L));
        int skipped = AlertPipeline.MAX_SAID_AT_STOP + 6;
        for (int i = 0; i < skipped; i++) {
            pipeline.historySkipped(new LiveStart.Skipped(p0, i, i + 1, NOW_MS - 7_200_000, NOW_MS - 3_600_000));
        }

        assertThat(pipeline.noticesAtStop(now)).as("left: those past the bound").isEqualTo(6);
        assertThat(received).hasSize(AlertPipeline.MAX_SAID_AT_STOP)
                .allMatch(d -> d.contains("\"event\":\"history-skipped\""));
        assertThat(pipeline.stateAlertsQueued()).as("the stall and the six past the bound").isEqualTo(7);
    }
}
