package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The lines of Kafka outages, as the capture loop says them through the report: one producer after another, each
 * made ready or not, each failing or committing. An outage lasts until a transaction commits, whatever producers it
 * takes.
 */
class KafkaOutageReportTest {
    private static final String CAUSE = "Kafka transaction failed: Expiring 1 record(s) for events-3: 30000 ms has "
            + "passed since batch creation";
    private static final Duration NEXT_TRY = Duration.ofSeconds(1);

    private final Logger log = (Logger) LoggerFactory.getLogger(KafkaOutageReportTest.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final KafkaOutageReport report = new KafkaOutageReport(log);

    @BeforeEach
    void capture() {
        lines.start();
        log.addAppender(lines);
        log.setLevel(Level.DEBUG); // the retries' lines are DEBUG: counted too
    }

    @AfterEach
    void release() {
        log.detachAppender(lines);
        log.setLevel(null);
    }

    /** A producer made ready, with the lines the capture loop says then at the level the report gives. */
    private void ready() {
        log.atLevel(report.ready()).log("Kafka ready at kafka:9092: transactional id docker-listener-1, resuming "
                + "from checkpoint 2026-01-01T00:00:00Z");
        log.atLevel(report.returnLevel()).log("Kafka is back: publishing what was read while it was away");
    }

    private List<String> said(Level level, String containing) {
        return lines.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(containing)).toList();
    }

    /**
     * A broker that takes every producer (initTransactions, the checkpoint) and fails each of its transactions: the
     * outage is said once, Kafka's return once, and that it failed again after that return once; the retries are
     * DEBUG. Before, each retry said "Kafka ready" and the outage's WARN again, for ever.
     */
    @Test
    void aBrokerThatTakesEachProducerAndFailsEachTransactionIsOneOutage() {
        ready();
        report.committed();
        for (int retry = 0; retry < 20; retry++) {
            report.unavailable(CAUSE, NEXT_TRY);
            ready();
        }

        assertThat(said(Level.WARN, "")).containsExactly(
                "Kafka unavailable: " + CAUSE + "; retrying with backoff",
                "Kafka unavailable again before a transaction committed: " + CAUSE + "; retrying with backoff (at "
                        + "DEBUG until a transaction commits)");
        assertThat(said(Level.INFO, "Kafka ready")).hasSize(2); // the start's, and the first return's
        assertThat(said(Level.INFO, "Kafka is back")).hasSize(2);
        assertThat(said(Level.DEBUG, "Kafka ready")).hasSize(19);
        assertThat(said(Level.DEBUG, "Kafka still unavailable")).hasSize(18);
    }

    /** A transaction committed ends the outage: the next failure is a new one, said again with its return. */
    @Test
    void aTransactionCommittedEndsTheOutage() {
        ready();
        report.committed();
        report.unavailable(CAUSE, NEXT_TRY);
        ready();
        report.committed();
        assertThat(report.unavailable(CAUSE, NEXT_TRY)).isTrue(); // the caller says what it holds

        ready();
        assertThat(said(Level.WARN, "Kafka unavailable: ")).hasSize(2);
        assertThat(said(Level.INFO, "Kafka ready")).hasSize(3);
        assertThat(said(Level.WARN, "again")).isEmpty();
    }

    /** A Kafka that takes no producer at all: one WARN, then DEBUG, as before. */
    @Test
    void aKafkaThatTakesNoProducerIsOneWarn() {
        assertThat(report.unavailable(CAUSE, NEXT_TRY)).isTrue();
        for (int retry = 0; retry < 5; retry++) {
            assertThat(report.unavailable(CAUSE, NEXT_TRY)).isFalse();
        }

        assertThat(said(Level.WARN, "")).hasSize(1);
        assertThat(said(Level.DEBUG, "Kafka still unavailable")).hasSize(5);
    }

    /**
     * A failure in words of its own (a transaction that outlived its timeout), then Kafka back, then unavailable: the
     * WARN comes after the return, so the failure after the next return is not said again.
     */
    @Test
    void aFailureInItsOwnWordsBeginsTheOutageToo() {
        ready();
        report.failedInOwnWords();
        ready();
        report.unavailable(CAUSE, NEXT_TRY);
        ready();
        report.unavailable(CAUSE, NEXT_TRY);

        assertThat(said(Level.WARN, "")).hasSize(1);
        assertThat(said(Level.INFO, "Kafka ready")).hasSize(2);
    }
}
