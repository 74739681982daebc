package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A queue that keeps filling (events faster than Kafka takes them): the listener disconnects and resumes each time,
 * and the log says so once every ten minutes, with how many times it was not said, instead of four lines a cycle.
 */
class QueueFullReportTest {
    private static final String FULL = "the queue of 10000 events or 16777216 bytes is full (8 events, 15999842 "
            + "bytes held)";

    @RegisterExtension
    final LogLines lines = LogLines.of(QueueFullReportTest.class).atLevel(Level.DEBUG);
    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final QueueFullReport report = new QueueFullReport(LoggerFactory.getLogger(QueueFullReportTest.class),
            clock::get);

    private void after(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void aQueueThatKeepsFillingIsSaidOnceEveryTenMinutesWithTheTimesNotSaid() {
        report.full(FULL);
        assertThat(report.reconnectionLevel()).as("the first one's reconnection").isEqualTo(org.slf4j.event.Level.INFO);
        for (int i = 0; i < 500; i++) {
            after(Duration.ofSeconds(1));
            report.full(FULL);
            assertThat(report.reconnectionLevel()).isEqualTo(org.slf4j.event.Level.DEBUG);
        }
        after(QueueFullReport.REMINDER);
        report.full(FULL);

        assertThat(lines.messages(Level.WARN)).hasSize(2);
        assertThat(lines.messages(Level.WARN).get(0)).startsWith(FULL + " (Kafka too slow): disconnecting from the "
                + "engine, will resume from the checkpoint, at DEBUG for 10 min while it fills again");
        assertThat(lines.messages(Level.WARN).get(1)).endsWith("(full 500 more times in the 18 min since it was last "
                + "said, each time disconnected and resumed from the checkpoint)");
        assertThat(lines.messages(Level.DEBUG, "is full")).hasSize(500);
        assertThat(report.reconnectionLevel()).as("a reminder's reconnection").isEqualTo(org.slf4j.event.Level.INFO);
    }

    @Test
    void aQueueFullAgainAfterTenQuietMinutesIsSaidAsTheFirstWas() {
        report.full(FULL);
        after(QueueFullReport.REMINDER);
        report.full(FULL);

        assertThat(lines.messages(Level.WARN)).hasSize(2).allSatisfy(m -> assertThat(m).doesNotContain("more times"));
    }
}
