package io.dwb.forwarder;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Whether bytes are valid UTF-8 (strict: no malformed or overlong sequences, no encoded surrogates) and, read as JSON,
 * escape no lone surrogate (a backslash-u escape of D800 to DFFF without its other half), which is no character.
 * Wazuh's JSON parser (cJSON) refuses the whole alert that holds one, after the forwarder counted it sent; and a Java
 * string holding one cannot be written as UTF-8 (the legacy fields' encoder threw: a {@code format-error}). The
 * engine never writes one (Go writes U+FFFD): only another writer of the topic.
 */
final class Utf8 {
    private Utf8() {}

    static boolean valid(byte[] bytes) {
        // Engine events are nearly always ASCII: a scan allocates nothing, where decoding builds a char copy.
        boolean ascii = true;
        boolean escapes = false;
        for (byte b : bytes) {
            if (b < 0) {
                ascii = false;
            } else if (b == '\\') {
                escapes = true;
            }
        }
        return (ascii || decodes(bytes)) && (!escapes || noLoneSurrogate(bytes));
    }

    private static boolean decodes(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /**
     * Whether every escaped high surrogate is followed at once by an escaped low one, and every low one follows a
     * high one. What is not JSON is left to the parser.
     */
    static boolean noLoneSurrogate(byte[] b) {
        boolean high = false; // the last escape was a high surrogate, waiting for its low one
        int i = 0;
        while (i < b.length) {
            if (b[i] != '\\' || i + 1 >= b.length) {
                if (high) {
                    return false;
                }
                i++;
                continue;
            }
            int unit = b[i + 1] == 'u' ? hex4(b, i + 2) : -1;
            if (unit < 0) { // another escape (\", \\, \n...), or not JSON
                if (high) {
                    return false;
                }
                i += 2;
                continue;
            }
            boolean isLow = unit >= 0xDC00 && unit <= 0xDFFF;
            if (high != isLow) {
                return false; // a high one not followed by a low one, or a low one alone
            }
            high = unit >= 0xD800 && unit <= 0xDBFF;
            i += 6;
        }
        return !high;
    }

    /** The four hex digits at {@code at} as a number; -1 when they are not four hex digits. */
    private static int hex4(byte[] b, int at) {
        if (at + 4 > b.length) {
            return -1;
        }
        int unit = 0;
        for (int k = at; k < at + 4; k++) {
            int digit = Character.digit(b[k], 16);
            if (digit < 0) {
                return -1;
            }
            unit = unit * 16 + digit;
        }
        return unit;
    }
}
