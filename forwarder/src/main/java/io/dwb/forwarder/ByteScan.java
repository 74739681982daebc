package io.dwb.forwarder;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The one scan of a record's value that every delivered event passes through, eight bytes a step: a JFR profile of
 * delivery gave the byte-at-a-time loops it replaces (the UTF-8 check's and the line-break check's) 11 % of the
 * loop's samples (docs/benchmarks.md). A {@code long} read through a byte-array view is one load once compiled.
 */
final class ByteScan {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long SPACES = 0x2020202020202020L;

    private ByteScan() {}

    /**
     * Whether every byte is printable ASCII, from space (0x20) to 0x7F: then the bytes are valid UTF-8 and hold no
     * line break. Compact JSON from the engine nearly always is; anything else takes the exact, slower checks.
     */
    static boolean printableAscii(byte[] bytes) {
        int i = 0;
        for (; i + Long.BYTES <= bytes.length; i += Long.BYTES) {
            long word = (long) LONGS.get(bytes, i);
            // A byte below 0x20 borrows into its high bit when 0x20 is taken from it (exact as to whether any
            // byte does, not as to which); a byte from 0x80 up has its high bit already.
            if (((word - SPACES | word) & HIGH_BITS) != 0) {
                return false;
            }
        }
        for (; i < bytes.length; i++) {
            if (bytes[i] < 0x20) { // bytes from 0x80 up are negative
                return false;
            }
        }
        return true;
    }
}
