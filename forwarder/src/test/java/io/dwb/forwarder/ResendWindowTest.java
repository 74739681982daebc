package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The resend window keeps the newest datagrams, within both of its bounds. */
class ResendWindowTest {
    private static byte[] bytes(int length, int tag) {
        byte[] b = new byte[length];
        b[0] = (byte) tag;
        return b;
    }

    @Test
    void keepsTheNewestWithinTheCount() {
        ResendWindow window = new ResendWindow(new ResendWindow.Bound(3, 1_000));
        for (int i = 0; i < 5; i++) {
            window.accepted(bytes(10, i));
        }
        assertThat(window.datagrams()).extracting(d -> (int) d[0]).containsExactly(2, 3, 4);
        assertThat(window.bytes()).isEqualTo(30);
    }

    @Test
    void keepsTheNewestWithinTheBytes() {
        ResendWindow window = new ResendWindow(new ResendWindow.Bound(100, 250));
        for (int i = 0; i < 5; i++) {
            window.accepted(bytes(100, i));
        }
        assertThat(window.datagrams()).extracting(d -> (int) d[0]).containsExactly(3, 4);
        assertThat(window.bytes()).isEqualTo(200);
        window.accepted(bytes(300, 9)); // larger than the bound alone: nothing is kept
        assertThat(window.size()).isZero();
        assertThat(window.bytes()).isZero();
    }

    @Test
    void zeroKeepsNothingAndNegativeBoundsAreRefused() {
        ResendWindow window = new ResendWindow(new ResendWindow.Bound(0, 0));
        window.accepted(bytes(1, 1));
        assertThat(window.datagrams()).isEmpty();
        assertThatThrownBy(() -> new ResendWindow.Bound(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDefaultCoversTheKernelsDefaultQueue() {
        // Linux: net.unix.max_dgram_qlen = 10 (a queue holds one more), net.core.wmem_default = 212992 bytes.
        assertThat(ResendWindow.Bound.DEFAULT.datagrams()).isGreaterThan(10 + 1);
        assertThat(ResendWindow.Bound.DEFAULT.bytes()).isGreaterThan(212_992);
    }
}
