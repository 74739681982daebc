package io.dwb.listener;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Says a Kafka outage once, however many producers it takes: an outage lasts from a failure until a transaction
 * commits. Its first failure is a WARN, and so is the first one after Kafka was said to be back (the reader's last
 * word was that Kafka is back); so is the first failure of each other kind ({@link KafkaFailureKind}: an outage that
 * began as timeouts and goes on as a login refused, after a password rotation, says so), and one every {@link
 * #REMINDER} while it lasts; the others are DEBUG. Kafka's return (ready, publishing again what was held) is INFO
 * once, then DEBUG. Before, a producer made ready ended the outage: a broker that takes a producer and then fails
 * each of its transactions (a partition without leader, an ACL on the topic) got a WARN and an INFO "Kafka ready"
 * for each retry, for ever; and an outage said one WARN whatever came after it, the retries' causes at DEBUG only.
 * Used by the publishing thread only.
 */
final class KafkaOutageReport {
    /** How long an outage goes unsaid at most, while its failures stay of the kinds already said. */
    static final Duration REMINDER = Duration.ofMinutes(10);

    private final Logger log;
    private final LongSupplier nanoClock;
    /** A failure since the last commit (or the start). */
    private boolean outage;
    /** nanoClock when the outage began. */
    private long beganNanos;
    /** nanoClock when the outage was last said at WARN (or above). */
    private long saidNanos;
    /** The kinds of failure the outage's WARNs said: each new one is said once, not each change back and forth. */
    private final Set<KafkaFailureKind> kindsSaid = EnumSet.noneOf(KafkaFailureKind.class);
    /** The outage's "Kafka unavailable" WARN was said. */
    private boolean warned;
    /** Kafka's return was said during the outage. */
    private boolean backSaid;
    /** A failure after that return was said (or the return came before the WARN, which then said it). */
    private boolean warnedAfterBack;
    /** The level of the current return's lines: the ready line and those that follow it. */
    private Level returnLevel = Level.INFO;

    /**
     * @param log       the logger the lines are said with (the capture loop's)
     * @param nanoClock monotonic nanoseconds (System::nanoTime): how long the outage lasts
     */
    KafkaOutageReport(Logger log, LongSupplier nanoClock) {
        this.log = log;
        this.nanoClock = nanoClock;
    }

    /**
     * Kafka failed, in words of its own ({@code cause}), of {@code kind}, and the next try is in {@code nextTry}.
     *
     * @return whether this failure begins what the log says of the outage (the caller adds what it holds meanwhile)
     */
    boolean unavailable(String cause, KafkaFailureKind kind, Duration nextTry) {
        begin();
        long now = nanoClock.getAsLong();
        if (!warned) {
            log.warn("Kafka unavailable: {}; retrying with backoff", cause);
            firstSaid(kind, now);
            return true;
        }
        if (backSaid && !warnedAfterBack) {
            log.warn("Kafka unavailable again before a transaction committed: {}; retrying with backoff (at DEBUG "
                    + "until a transaction commits, but for another kind of failure and every {} min)", cause,
                    REMINDER.toMinutes());
            warnedAfterBack = true;
            said(kind, now);
            return false;
        }
        if (!kindsSaid.contains(kind)) {
            log.warn("Kafka still unavailable after {}, now {}: {}; retrying with backoff", lasted(now),
                    kind.words(), cause);
            said(kind, now);
            return false;
        }
        if (now - saidNanos >= REMINDER.toNanos()) {
            log.warn("Kafka still unavailable after {} ({}): {}; retrying with backoff", lasted(now),
                    kind.words(), cause);
            said(kind, now);
            return false;
        }
        log.debug("Kafka still unavailable: {}; next try in {}", cause, nextTry);
        return false;
    }

    /**
     * Kafka failed, of {@code kind}, and the caller said so itself, at WARN or above (an ERROR naming a setting to
     * change): the same kind's next failures are DEBUG, as after the report's own WARN.
     *
     * @return whether this failure begins what the log says of the outage
     */
    boolean unavailableSaid(KafkaFailureKind kind) {
        begin();
        long now = nanoClock.getAsLong();
        if (!warned) {
            firstSaid(kind, now);
            return true;
        }
        warnedAfterBack |= backSaid;
        said(kind, now);
        return false;
    }

    /** Kafka failed, and the caller said so in the failure's own words (a transaction timed out, refused). */
    void failedInOwnWords() {
        begin();
        saidNanos = nanoClock.getAsLong();
    }

    /** A producer is ready: the level of its ready line and of the lines of this return after it. */
    Level ready() {
        if (outage && backSaid) {
            returnLevel = Level.DEBUG;
        } else {
            returnLevel = Level.INFO;
            backSaid = outage;
        }
        return returnLevel;
    }

    /** The level of the current return's lines after the ready line ("Kafka is back", "publishing again"). */
    Level returnLevel() {
        return returnLevel;
    }

    /** A transaction committed: Kafka takes them again, and the next failure is a new outage. */
    void committed() {
        outage = false;
        returnLevel = Level.INFO;
    }

    private void firstSaid(KafkaFailureKind kind, long now) {
        warned = true;
        warnedAfterBack = backSaid; // a return said before this line: this line already corrects it
        said(kind, now);
    }

    private void said(KafkaFailureKind kind, long now) {
        kindsSaid.add(kind);
        saidNanos = now;
    }

    /** How long the outage has lasted, in words: seconds for its first minute, then minutes. */
    private String lasted(long now) {
        Duration lasted = Duration.ofNanos(now - beganNanos);
        return lasted.toMinutes() == 0 ? lasted.toSeconds() + " s" : lasted.toMinutes() + " min";
    }

    private void begin() {
        if (!outage) {
            outage = true;
            beganNanos = nanoClock.getAsLong();
            saidNanos = beganNanos;
            kindsSaid.clear();
            warned = false;
            backSaid = false;
            warnedAfterBack = false;
        }
    }
}
