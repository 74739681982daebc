package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rule that turns unanswered probes into "the connection is half-open", on a fake clock (nanoseconds). */
class EngineLivenessTest {
    private static final long S = 1_000_000_000L;
    private final EngineLiveness liveness = new EngineLiveness(Duration.ofSeconds(10), Duration.ofSeconds(5), 100 * S);

    @Test
    void theFirstProbeIsDueOneIntervalAfterTheConnectionOpened() {
        assertThat(liveness.nextProbeNanos()).isEqualTo(110 * S);
        liveness.probed(110 * S);
        assertThat(liveness.nextProbeNanos()).isEqualTo(120 * S);
    }

    @Test
    void anEngineThatAnswersEveryProbeIsNeverGone() {
        for (long t = 110; t <= 1_000; t += 10) {
            liveness.probed(t * S);
            liveness.answered(t * S + S / 100);
            assertThat(liveness.gone(t * S + 9 * S, true)).as("at %d s", t).isNull();
        }
    }

    @Test
    void oneProbeUnansweredForItsWholeTimeoutMeansGone() {
        liveness.probed(110 * S);
        assertThat(liveness.gone(114 * S, true)).as("still within the probe's timeout").isNull();
        assertThat(liveness.gone(115 * S, true)).as("interval + timeout of silence")
                .isEqualTo(EngineLiveness.Verdict.PROBES_NOT_ANSWERED);
        assertThat(liveness.silenceLimit()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void aLateAnswerWithinTheLimitKeepsTheConnection() {
        liveness.probed(110 * S);
        liveness.answered(114 * S);
        assertThat(liveness.gone(115 * S, true)).isNull();
        assertThat(liveness.gone(128 * S, true)).isNull();
        assertThat(liveness.gone(129 * S, true)).isEqualTo(EngineLiveness.Verdict.PROBES_NOT_ANSWERED);
    }

    @Test
    void anAnswerFromTheFutureOfAnOlderProbeDoesNotMoveTheClockBack() {
        liveness.answered(120 * S);
        liveness.answered(111 * S);
        assertThat(liveness.gone(134 * S, true)).isNull();
        assertThat(liveness.gone(135 * S, true)).isEqualTo(EngineLiveness.Verdict.PROBES_NOT_ANSWERED);
    }

    @Test
    void anEventsRequestWithoutResponseHeadersWithinTheTimeoutMeansGoneEvenWhilePingsAnswer() {
        assertThat(liveness.nextCheckNanos(false)).as("checked at the open deadline").isEqualTo(105 * S);
        assertThat(liveness.gone(104 * S, false)).isNull();
        liveness.answered(104 * S);
        assertThat(liveness.gone(105 * S, false)).isEqualTo(EngineLiveness.Verdict.EVENTS_NOT_ANSWERED);
    }

    @Test
    void anOpenStreamIsCheckedOnlyAtProbes() {
        assertThat(liveness.nextCheckNanos(true)).isEqualTo(110 * S);
        assertThat(liveness.gone(105 * S, true)).isNull();
    }

    @Test
    void aZeroIntervalOrTimeoutIsRefused() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new EngineLiveness(Duration.ZERO, Duration.ofSeconds(5), 0));
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> new EngineLiveness(Duration.ofSeconds(1), Duration.ZERO, 0));
    }
}
