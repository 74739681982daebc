package io.dwb.forwarder;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Whether bytes are valid UTF-8 (strict: no malformed or overlong sequences, no encoded surrogates). */
final class Utf8 {
    private Utf8() {}

    static boolean valid(byte[] bytes) {
        // Engine events are nearly always ASCII: a scan allocates nothing, where decoding builds a char copy.
        for (byte b : bytes) {
            if (b < 0) {
                return decodes(bytes);
            }
        }
        return true;
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
}
