package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** An escaped lone surrogate is no character: Wazuh's JSON parser refuses the alert that holds one. */
class Utf8Test {
    private static final String ESCAPE = "\\" + "u"; // kept apart: javac reads a backslash-u in source itself

    @Test
    void anEscapedPairIsTextAndALoneHalfIsNot() {
        assertThat(valid("{\"a\":\"" + ESCAPE + "d83d" + ESCAPE + "de00\"}")).as("a pair: one emoji").isTrue();
        assertThat(valid("{\"a\":\"x" + ESCAPE + "d800y\"}")).as("a high half alone").isFalse();
        assertThat(valid("{\"a\":\"" + ESCAPE + "dc00\"}")).as("a low half alone").isFalse();
        assertThat(valid("{\"a\":\"" + ESCAPE + "D800\"}")).as("upper-case hex, at the end").isFalse();
        assertThat(valid("{\"a\":\"" + ESCAPE + "d800" + ESCAPE + "0041\"}")).as("a high half, then no low")
                .isFalse();
        assertThat(valid("{\"a\":\"" + ESCAPE + "d800\\n\"}")).as("a high half, then another escape").isFalse();
    }

    @Test
    void otherEscapesAndEscapedBackslashesAreText() {
        assertThat(valid("{\"a\":\"" + ESCAPE + "003c\\\"\\\\ud800\\n\"}"))
                .as("an escaped backslash before ud800 is a backslash and letters").isTrue();
        assertThat(valid("{\"a\":\"é" + ESCAPE + "00e9\"}")).isTrue();
        assertThat(Utf8.valid(new byte[] {'"', (byte) 0xc3, (byte) 0x28, '"'})).as("invalid UTF-8").isFalse();
    }

    private static boolean valid(String json) {
        return Utf8.valid(json.getBytes(StandardCharsets.UTF_8));
    }
}
