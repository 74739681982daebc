package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.LogLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Delivery that follows what Wazuh takes (a manager's analysisd queue under an EPS limit while a backlog drains)
 * pauses and resumes every few seconds: before, a WARN and an INFO line each time, for as long as the backlog lasted.
 * Now the first pause and its end are said, the repeats of the same cause counted in a line a minute, and any other
 * pause said as before.
 */
class PauseLinesTest {
    private static final long S = 1_000_000_000L;
    private static final Refusal QUEUE_FILLING = new Refusal(Refusal.Hold.ANALYSISD_QUEUE_FILLING,
            "wazuh-analysisd's event queue is 52 % full");
    private static final Refusal SOCKET_MISSING = new Refusal(SendFailure.MISSING, "socket missing");

    @RegisterExtension
    final LogLines logged = LogLines.of(StateChanges.class);
    private final ForwarderMetrics metrics = new ForwarderMetrics();
    private final StateChanges changes = new StateChanges(metrics);
    private long now = 1_000 * S;

    @Test
    void pausesOfTheSameCauseComingBackWithinAMinuteAreCountedInALineAMinute() {
        pauseFor(QUEUE_FILLING, 2);
        assertThat(logged.lines()).hasSize(2);
        assertThat(logged.lines().get(0)).startsWith("WARN paused: wazuh-analysisd's event queue is 52 % full");
        assertThat(logged.lines().get(1)).isEqualTo("INFO resumed after 2 s: delivering again");

        for (int i = 0; i < 8; i++) { // every 5 s: a state interval
            now += 3 * S;
            pauseFor(QUEUE_FILLING, 2);
        }
        assertThat(logged.lines()).as("40 s of repeats: not said yet").hasSize(2);
        assertThat(metrics.pausedNow()).isZero();
        for (int i = 0; i < 5; i++) {
            now += 3 * S;
            pauseFor(QUEUE_FILLING, 2);
        }
        assertThat(logged.lines()).hasSize(3);
        assertThat(logged.lines().get(2)).isEqualTo("INFO 13 more pauses for the same cause as the pause said before, "
                + "in 62 s, 26 s of them paused: delivery follows what Wazuh takes");
    }

    @Test
    void anotherCauseAPauseAMinuteAfterTheLastOrOneOnlyAPersonEndsIsSaidAsBefore() {
        pauseFor(QUEUE_FILLING, 2);
        now += 3 * S;
        pauseFor(QUEUE_FILLING, 2); // a repeat, counted
        now += 3 * S;
        pauseFor(SOCKET_MISSING, 2);
        assertThat(logged.lines()).containsExactly(
                "WARN paused: wazuh-analysisd's event queue is 52 % full; keeping 5 records, retrying with backoff",
                "INFO resumed after 2 s: delivering again",
                "INFO 1 more pauses for the same cause as the pause said before, in 2 s, 2 s of them paused: delivery "
                        + "follows what Wazuh takes",
                "WARN paused: socket missing; keeping 5 records, retrying with backoff",
                "INFO resumed after 2 s: delivering again");
        logged.clear();

        now += 61 * S;
        pauseFor(SOCKET_MISSING, 2);
        assertThat(logged.lines()).as("a minute after the last").hasSize(2);
        logged.clear();

        Refusal denied = new Refusal(Refusal.Other.DEAD_LETTER_WRITE_DENIED, "not allowed to write");
        pauseFor(denied, 2);
        now += 3 * S;
        pauseFor(denied, 2);
        assertThat(logged.lines()).as("only a person ends it: each said").hasSize(4);
        logged.clear();

        now += 3 * S;
        changes.paused(QUEUE_FILLING, 5, now);
        changes.pausedFor(SOCKET_MISSING);
        changes.resumed(2 * S, now + 2 * S);
        now += 5 * S;
        changes.paused(SOCKET_MISSING, 5, now);
        changes.pausedFor(QUEUE_FILLING);
        changes.resumed(2 * S, now + 2 * S);
        assertThat(logged.lines()).as("a new cause during a pause: said, and its end").hasSize(5);
    }

    /**
     * A repeat that does not end (Wazuh gone for good a few seconds after a short pause) is said once it lasted a
     * minute: before, the short pause's end was the last line. Repeats that stopped are counted at the once-a-second
     * look, over the time to the last one's end, not at the next pause said.
     */
    @Test
    void aRepeatThatLastsAMinuteIsSaidAndRepeatsThatStoppedAreCountedWithoutAnotherPause() {
        pauseFor(QUEUE_FILLING, 2);
        now += 3 * S;
        pauseFor(QUEUE_FILLING, 2);
        for (int i = 0; i < 70; i++) {
            now += S;
            changes.pauseTick(now);
        }
        assertThat(logged.lines()).as("the repeat counted over its own 2 s, at the look a minute on").containsExactly(
                "WARN paused: wazuh-analysisd's event queue is 52 % full; keeping 5 records, retrying with backoff",
                "INFO resumed after 2 s: delivering again",
                "INFO 1 more pauses for the same cause as the pause said before, in 2 s, 2 s of them paused: delivery "
                        + "follows what Wazuh takes");
        logged.clear();

        pauseFor(SOCKET_MISSING, 3);
        logged.clear();
        now += 3 * S;
        changes.paused(SOCKET_MISSING, 7, now); // a repeat: not said
        for (int i = 0; i < 59; i++) {
            now += S;
            changes.pauseTick(now);
        }
        assertThat(logged.lines()).as("a minute not over yet").isEmpty();
        now += S;
        changes.pauseTick(now);
        assertThat(logged.lines()).last().asString().isEqualTo("WARN paused for a minute now, as the pause before "
                + "it: socket missing; keeping 7 records, retrying with backoff");
        now += 5 * S;
        changes.resumed(65 * S, now);
        assertThat(logged.lines()).last().asString().isEqualTo("INFO resumed after 65 s: delivering again");
    }

    /** A pause of {@code seconds} from now, for {@code refusal}; now is then its end. */
    private void pauseFor(Refusal refusal, long seconds) {
        changes.paused(refusal, 5, now);
        now += seconds * S;
        changes.resumed(seconds * S, now);
    }
}
