package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * What a group's start says of the history it passes over ({@link LiveStart}, {@code history-skipped}), unit layer:
 * the replay it advises delivers every record skipped, though a partition's records are not in time order.
 */
class HistorySkippedTest {
    private static final long HOUR_MS = 3_600_000L;

    @Test
    void theAdvisedReplayCoversSkippedRecordsDatedBeforeTheFirstSkipped() {
        PartitionLogConsumer kafka = new PartitionLogConsumer("events", 1);
        ConsumerRecord<byte[], byte[]> first = kafka.append(0, ReplayLoopTest.event("a10", 10));
        // After it, older: another host's clock behind, or a listener's backlog published after a reconnection.
        ConsumerRecord<byte[], byte[]> older = kafka.append(0, ReplayLoopTest.event("b2", 2));
        kafka.append(0, ReplayLoopTest.event("a7200", 7200));
        long wallMs = first.timestamp() + 2 * HOUR_MS;
        kafka.assign(List.of(kafka.partition(0)));
        LiveStart start = new LiveStart(Duration.ofHours(1), () -> wallMs, OffsetReset.EARLIEST,
                new WatchHandover(Duration.ZERO, () -> wallMs));

        LiveStart.Skipped skipped = start.position(kafka, List.of(kafka.partition(0))).skipped().get(0);
        String line = said(skipped);

        assertThat(skipped.records()).isEqualTo(2);
        Matcher advised = Pattern.compile("--from (\\S+) --to (\\S+)").matcher(line);
        assertThat(advised.find()).as(line).isTrue();
        long from = TimeArgument.parseNanos(advised.group(1));
        long to = TimeArgument.parseNanos(advised.group(2));
        for (ConsumerRecord<byte[], byte[]> r : List.of(first, older)) {
            assertThat(r.timestamp() * 1_000_000L).as("%s: record dated %d", line, r.timestamp())
                    .isGreaterThanOrEqualTo(from).isLessThan(to);
        }
    }

    /** The WARN line {@code skipped} makes. */
    private static String said(LiveStart.Skipped skipped) {
        try (LogLines lines = LogLines.of(StateChanges.class).attach()) {
            new StateChanges(new ForwarderMetrics()).historySkipped(skipped);
            return lines.messages().get(0);
        }
    }
}
