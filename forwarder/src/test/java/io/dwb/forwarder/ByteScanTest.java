package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time scan answers as a byte-at-a-time loop does, wherever a byte sits: in a full word or in the
 * tail, beside bytes one above or below it (where a word's subtraction borrows). A wrong "printable" would splice a
 * line break into an alert, or let invalid UTF-8 through to Wazuh.
 */
class ByteScanTest {

    private static boolean printable(byte b) {
        return b >= 0x20; // bytes from 0x80 up are negative
    }

    @Test
    void everyByteValueAtEveryPlaceOfShortValues() {
        byte[] event = "{\"Type\":\"container\",\"id\":1}".getBytes(StandardCharsets.US_ASCII);
        for (int length = 1; length <= 24; length++) {
            for (int at = 0; at < length; at++) {
                for (int b = 0; b < 256; b++) {
                    byte[] value = Arrays.copyOf(event, length);
                    value[at] = (byte) b;
                    assertThat(ByteScan.printableAscii(value)).as("byte %d at %d of %d", b, at, length)
                            .isEqualTo(printable((byte) b));
                }
            }
        }
        assertThat(ByteScan.printableAscii(new byte[0])).isTrue();
    }

    @Property(tries = 2_000)
    void manyBytesNearTheEdges(@ForAll("nearEdges") byte[] value) {
        boolean expected = true;
        for (byte b : value) {
            expected &= printable(b);
        }
        assertThat(ByteScan.printableAscii(value)).isEqualTo(expected);
    }

    @Provide
    Arbitrary<byte[]> nearEdges() {
        Arbitrary<Byte> edges = Arbitraries.of((byte) 0x00, (byte) 0x01, (byte) 0x09, (byte) '\n', (byte) '\r',
                (byte) 0x1F, (byte) 0x20, (byte) 0x21, (byte) 0x7F, (byte) 0x80, (byte) 0x8A, (byte) 0x9F,
                (byte) 0xA0, (byte) 0xFF);
        // Mostly printable, so that many values hold none of the edges' unprintable bytes.
        Arbitrary<Byte> letters = Arbitraries.bytes().between((byte) 0x20, (byte) 0x7F);
        return Arbitraries.frequencyOf(Tuple.of(1, edges), Tuple.of(30, letters)).array(byte[].class).ofMaxSize(80);
    }
}
