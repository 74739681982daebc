package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.dwb.listener.TransactionalPublisher.KafkaUnavailable;
import io.dwb.schemas.testing.LogLines;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
    /** What a producer whose brokers do not answer says (initTransactions' wait ran out). */
    private static final KafkaUnavailable TIMED_OUT = new KafkaUnavailable("cannot start a Kafka transaction: Timeout "
            + "expired after 30000ms while awaiting InitProducerId", new TimeoutException("Timeout expired after "
            + "30000ms while awaiting InitProducerId"));
    /** What a producer says once the brokers refuse its login (its password rotated, the file not yet). */
    private static final KafkaUnavailable LOGIN_REFUSED = new KafkaUnavailable("cannot start a Kafka transaction: "
            + "Authentication failed during authentication due to invalid credentials with SASL mechanism "
            + "SCRAM-SHA-512", new SaslAuthenticationException("Authentication failed during authentication due to "
            + "invalid credentials with SASL mechanism SCRAM-SHA-512"));

    private final Logger log = (Logger) LoggerFactory.getLogger(KafkaOutageReportTest.class);
    /** At DEBUG: the retries' lines are DEBUG, counted too. */
    @RegisterExtension
    final LogLines lines = LogLines.of(KafkaOutageReportTest.class).atLevel(Level.DEBUG);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final KafkaOutageReport report = new KafkaOutageReport(log, clock::get);

    /** A producer made ready, with the lines the capture loop says then at the level the report gives. */
    private void ready() {
        log.atLevel(report.ready()).log("Kafka ready at kafka:9092: transactional id docker-listener-1, resuming "
                + "from checkpoint 2026-01-01T00:00:00Z");
        log.atLevel(report.returnLevel()).log("Kafka is back: publishing what was read while it was away");
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
            report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY);
            ready();
        }

        assertThat(lines.messages(Level.WARN)).containsExactly(
                "Kafka unavailable: " + CAUSE + "; retrying with backoff",
                "Kafka unavailable again before a transaction committed: " + CAUSE + "; retrying with backoff (at "
                        + "DEBUG until a transaction commits, but for another kind of failure and every 10 min)");
        assertThat(lines.messages(Level.INFO, "Kafka ready")).hasSize(2); // the start's, and the first return's
        assertThat(lines.messages(Level.INFO, "Kafka is back")).hasSize(2);
        assertThat(lines.messages(Level.DEBUG, "Kafka ready")).hasSize(19);
        assertThat(lines.messages(Level.DEBUG, "Kafka still unavailable")).hasSize(18);
    }

    /** A transaction committed ends the outage: the next failure is a new one, said again with its return. */
    @Test
    void aTransactionCommittedEndsTheOutage() {
        ready();
        report.committed();
        report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY);
        ready();
        report.committed();
        assertThat(report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY)).isTrue(); // the caller says what it holds

        ready();
        assertThat(lines.messages(Level.WARN, "Kafka unavailable: ")).hasSize(2);
        assertThat(lines.messages(Level.INFO, "Kafka ready")).hasSize(3);
        assertThat(lines.messages(Level.WARN, "again")).isEmpty();
    }

    /** A Kafka that takes no producer at all: one WARN, then DEBUG, as before. */
    @Test
    void aKafkaThatTakesNoProducerIsOneWarn() {
        assertThat(report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY)).isTrue();
        for (int retry = 0; retry < 5; retry++) {
            assertThat(report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY)).isFalse();
        }

        assertThat(lines.messages(Level.WARN)).hasSize(1);
        assertThat(lines.messages(Level.DEBUG, "Kafka still unavailable")).hasSize(5);
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
        report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY);
        ready();
        report.unavailable(CAUSE, KafkaFailureKind.UNREACHABLE, NEXT_TRY);

        assertThat(lines.messages(Level.WARN)).hasSize(1);
        assertThat(lines.messages(Level.INFO, "Kafka ready")).hasSize(2);
    }

    /** A failure as the capture loop reports it: its message, its kind by its causes' classes; 30 s later. */
    private boolean failed(KafkaUnavailable e) {
        boolean begins = report.unavailable(e.getMessage(), KafkaFailureKind.of(e), NEXT_TRY);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        return begins;
    }

    /**
     * An outage that begins as timeouts (the brokers restarting) and goes on as a login refused (the principal's
     * password rotated, the listener's file not yet, or wrongly): a second WARN names authentication and the
     * broker's words. Before, the outage's one WARN said the timeout and every refusal after it was DEBUG.
     */
    @Test
    void anOutageThatGoesOnAsALoginRefusedIsSaidAgainNamingAuthentication() {
        assertThat(failed(TIMED_OUT)).isTrue();
        failed(TIMED_OUT);
        assertThat(failed(LOGIN_REFUSED)).as("the events held are said once").isFalse();
        failed(LOGIN_REFUSED);

        assertThat(lines.messages(Level.WARN)).containsExactly(
                "Kafka unavailable: " + TIMED_OUT.getMessage() + "; retrying with backoff",
                "Kafka still unavailable after 1 min, now authentication refused: " + LOGIN_REFUSED.getMessage()
                        + "; retrying with backoff");
        assertThat(lines.messages(Level.DEBUG, "Kafka still unavailable")).hasSize(2);
    }

    /** Kinds that come and go (a broker refusing logins, another not answering) are each said once, not each change. */
    @Test
    void kindsThatAlternateAreEachSaidOnce() {
        for (int i = 0; i < 6; i++) {
            failed(i % 2 == 0 ? TIMED_OUT : LOGIN_REFUSED);
        }

        assertThat(lines.messages(Level.WARN)).hasSize(2);
    }

    /**
     * An outage of one kind that lasts is said again every 10 minutes, with how long it has lasted, not once for all
     * its hours.
     */
    @Test
    void anOutageThatLastsIsSaidAgainEveryTenMinutes() {
        for (int retry = 0; retry < 50; retry++) { // 25 min, a try every 30 s
            failed(TIMED_OUT);
        }

        assertThat(lines.messages(Level.WARN)).containsExactly(
                "Kafka unavailable: " + TIMED_OUT.getMessage() + "; retrying with backoff",
                "Kafka still unavailable after 10 min (no answer or no connection): " + TIMED_OUT.getMessage()
                        + "; retrying with backoff",
                "Kafka still unavailable after 20 min (no answer or no connection): " + TIMED_OUT.getMessage()
                        + "; retrying with backoff");
    }

    /** A commit ends the outage: the next one begins with its own WARN and its kinds are said again. */
    @Test
    void aCommitEndsTheOutageAndWhatItsKindsSaid() {
        failed(TIMED_OUT);
        failed(LOGIN_REFUSED);
        report.committed();
        assertThat(failed(LOGIN_REFUSED)).isTrue();
        failed(TIMED_OUT);

        assertThat(lines.messages(Level.WARN)).hasSize(4);
    }

    /**
     * A failure the capture loop said itself (an ERROR naming a setting to change) begins the outage as the report's
     * WARN would: its retries are DEBUG, another kind a WARN.
     */
    @Test
    void aFailureTheCallerSaidIsNotSaidAgain() {
        assertThat(report.unavailableSaid(KafkaFailureKind.OTHER)).isTrue();
        failed(new KafkaUnavailable("refused", null));
        failed(TIMED_OUT);

        assertThat(lines.messages(Level.WARN)).containsExactly("Kafka still unavailable after 30 s, now no answer or "
                + "no connection: " + TIMED_OUT.getMessage() + "; retrying with backoff");
    }

    /** The kinds, by the classes in a failure's causes, whatever its words; a refusal wins over a timeout it caused. */
    @Test
    void theKindIsTheCausesClass() {
        assertThat(KafkaFailureKind.of(TIMED_OUT)).isEqualTo(KafkaFailureKind.UNREACHABLE);
        assertThat(KafkaFailureKind.of(LOGIN_REFUSED)).isEqualTo(KafkaFailureKind.AUTHENTICATION);
        assertThat(KafkaFailureKind.of(new KafkaUnavailable("Kafka transaction failed: Cannot execute transactional "
                + "method because we are in an error state", new KafkaException("in an error state",
                new TopicAuthorizationException("Not authorized to access topics: [events]")))))
                .isEqualTo(KafkaFailureKind.AUTHORIZATION);
        assertThat(KafkaFailureKind.of(new TimeoutException("timed out", new SaslAuthenticationException("refused"))))
                .isEqualTo(KafkaFailureKind.AUTHENTICATION);
        assertThat(KafkaFailureKind.of(new KafkaUnavailable("Authentication failed, Timeout, not authorized", null)))
                .as("not by its words").isEqualTo(KafkaFailureKind.OTHER);
    }
}
