package io.dwb.listener;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Says a Kafka outage once, however many producers it takes: an outage lasts from a failure until a transaction
 * commits. Its first failure is a WARN, and so is the first one after Kafka was said to be back (the reader's last
 * word was that Kafka is back); the others are DEBUG. Kafka's return (ready, publishing again what was held) is INFO
 * once, then DEBUG. Before, a producer made ready ended the outage: a broker that takes a producer and then fails
 * each of its transactions (a partition without leader, an ACL on the topic) got a WARN and an INFO "Kafka ready"
 * for each retry, for ever. Used by the publishing thread only.
 */
final class KafkaOutageReport {
    private final Logger log;
    /** A failure since the last commit (or the start). */
    private boolean outage;
    /** The outage's "Kafka unavailable" WARN was said. */
    private boolean warned;
    /** Kafka's return was said during the outage. */
    private boolean backSaid;
    /** A failure after that return was said (or the return came before the WARN, which then said it). */
    private boolean warnedAfterBack;
    /** The level of the current return's lines: the ready line and those that follow it. */
    private Level returnLevel = Level.INFO;

    /** @param log the logger the lines are said with (the capture loop's) */
    KafkaOutageReport(Logger log) {
        this.log = log;
    }

    /**
     * Kafka failed, in words of its own ({@code cause}), and the next try is in {@code nextTry}.
     *
     * @return whether this failure begins what the log says of the outage (the caller adds what it holds meanwhile)
     */
    boolean unavailable(String cause, Duration nextTry) {
        begin();
        if (!warned) {
            log.warn("Kafka unavailable: {}; retrying with backoff", cause);
            warned = true;
            warnedAfterBack = backSaid; // a return said before this line: this line already corrects it
            return true;
        }
        if (backSaid && !warnedAfterBack) {
            log.warn("Kafka unavailable again before a transaction committed: {}; retrying with backoff (at DEBUG "
                    + "until a transaction commits)", cause);
            warnedAfterBack = true;
            return false;
        }
        log.debug("Kafka still unavailable: {}; next try in {}", cause, nextTry);
        return false;
    }

    /** Kafka failed, and the caller said so in the failure's own words (a transaction timed out, refused). */
    void failedInOwnWords() {
        begin();
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

    private void begin() {
        if (!outage) {
            outage = true;
            warned = false;
            backSaid = false;
            warnedAfterBack = false;
        }
    }
}
