package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a restart sends again of what Wazuh held: the largest count read lately, within its size. */
class WazuhHeldTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void theLargestCountReadWithinAMinuteIsWhatARestartSendsAgain() {
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        held.read(2600, 10 * SECOND);
        held.read(0, 15 * SECOND); // a restarted daemon's first state
        assertThat(held.recently(20 * SECOND)).isEqualTo(2600);
        assertThat(held.recently(71 * SECOND)).as("a minute after it was last read").isZero();
        held.read(12, 80 * SECOND);
        assertThat(held.recently(80 * SECOND)).isEqualTo(12);
        held.read(7_000, 81 * SECOND);
        assertThat(held.recently(81 * SECOND)).as("never more than it holds").isEqualTo(5000);
        held.read(-1, 82 * SECOND); // no count in the state file: nothing changes
        assertThat(held.recently(82 * SECOND)).isEqualTo(5000);
    }

    /** {@code --resend-datagrams 0} turns the resend off, what Wazuh held included: nothing is kept for it. */
    @Test
    void aResendTurnedOffKeepsNothingForWhatWazuhHeld() {
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        ResendWindow off = new ResendWindow(new ResendWindow.Bound(0, 0), held);
        off.accepted(new byte[10]);
        held.read(100, SECOND);
        assertThat(off.size()).isZero();
        assertThat(off.resend(SECOND).datagrams()).isEmpty();
        ResendWindow on = new ResendWindow(new ResendWindow.Bound(1, 1024), held);
        for (int i = 0; i < 3; i++) {
            on.accepted(new byte[10]);
        }
        assertThat(on.resend(SECOND).datagrams()).as("one for the kernel's queue, and what Wazuh held").hasSize(3);
        assertThat(on.resend(SECOND).heldByWazuh()).isEqualTo(100);
    }

    @Test
    void aWazuhNotFollowedHoldsNothing() {
        WazuhHeld held = new WazuhHeld();
        held.read(100, SECOND);
        assertThat(held.recently(SECOND)).isZero();
    }
}
