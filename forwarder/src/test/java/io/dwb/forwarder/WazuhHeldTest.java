package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a restart sends again of what Wazuh held: the largest count read, until Wazuh was seen passing it on. */
class WazuhHeldTest {
    private static final long SECOND = 1_000_000_000L;

    /**
     * A manager's outage: the gate waits (nothing sent), the agent is restarted meanwhile (its new state: 0), and the
     * outage lasts minutes more. What the old agent held is still what the next socket gets again.
     */
    @Test
    void theLargestCountStaysWhileNothingIsSentHoweverLong() {
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        held.read(2600, 10 * SECOND);
        held.read(0, 15 * SECOND); // a restarted daemon's first state
        held.read(0, 600 * SECOND);
        assertThat(held.held()).isEqualTo(2600);
    }

    /** Datagrams taken a minute after the largest count, and a lower count read: Wazuh was passing them on. */
    @Test
    void aLowerCountReplacesItOnceWazuhTookDatagramsAMinuteLater() {
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        held.read(2600, 10 * SECOND);
        held.sent();
        held.read(1200, 30 * SECOND);
        assertThat(held.held()).as("sent, but within the minute").isEqualTo(2600);
        held.read(12, 75 * SECOND);
        assertThat(held.held()).as("nothing sent since the last reading").isEqualTo(2600);
        held.sent();
        held.read(12, 76 * SECOND);
        assertThat(held.held()).isEqualTo(12);
        held.read(7_000, 81 * SECOND);
        assertThat(held.held()).as("never more than it holds").isEqualTo(5000);
        held.read(-1, 82 * SECOND); // no count in the state file: nothing changes
        assertThat(held.held()).isEqualTo(5000);
        held.resent();
        assertThat(held.held()).as("used up by a resend").isZero();
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
        assertThat(off.resend().datagrams()).isEmpty();
        held.read(100, SECOND);
        ResendWindow on = new ResendWindow(new ResendWindow.Bound(1, 1024), held);
        for (int i = 0; i < 3; i++) {
            on.accepted(new byte[10]);
        }
        ResendWindow.Resend again = on.resend();
        assertThat(again.datagrams()).as("one for the kernel's queue, and what Wazuh held").hasSize(3);
        assertThat(again.heldByWazuh()).isEqualTo(100);
        assertThat(again.missing()).as("none was dropped: fewer were sent").isZero();
    }

    /** The bounds add up in longs: the largest --resend-bytes did not wrap into a window that keeps nothing. */
    @Test
    void theLargestBoundsDoNotWrap() {
        WazuhHeld held = new WazuhHeld();
        held.capacity(5000);
        ResendWindow window = new ResendWindow(new ResendWindow.Bound(Integer.MAX_VALUE, Integer.MAX_VALUE), held);
        for (int i = 0; i < 10; i++) {
            window.accepted(new byte[10]);
        }
        assertThat(window.size()).isEqualTo(10);
    }

    @Test
    void aWazuhNotFollowedHoldsNothing() {
        WazuhHeld held = new WazuhHeld();
        held.read(100, SECOND);
        assertThat(held.held()).isZero();
    }
}
