package io.dwb.listener;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The engine's {@code /containers/json} answer with each container cut to a size a parser can hold, before any
 * parser sees it: whoever runs a container chooses its labels, and Jackson makes a string (or a tree) of whatever
 * it is asked to read, so one container with a 40 MB label, or with millions of small ones, ran the listener's heap
 * out at every state snapshot (a host blinded: each restart stopped there again).
 *
 * <p>It stays valid JSON: a string longer than {@code maxBytes} keeps its first bytes (whole characters and
 * escapes). Past that bound, a container's field whose value is an object or an array (its {@code Labels}) is
 * closed at its next comma and the rest of that value dropped, and the container goes on with its next fields:
 * the engine writes {@code State} and {@code Status} after {@code Labels}, and a label must not hide them. Past
 * twice the bound the container itself is closed at the next comma, its open objects and arrays closed, the rest
 * of it dropped. {@link #cuts()} counts every cut, so that the reader can tell a container that was cut (it is
 * then published as its summary, never as if it were whole). Only a container's strings are chosen by its owner;
 * the engine's structure around them is small and shallow.
 */
final class ContainerListCap extends FilterInputStream {
    /** A container's bound, and so a string's: a longer string alone makes its container too long. */
    private final int maxBytes;
    private final byte[] in = new byte[8192];
    /** What the next reads return; a cut adds at most the closers of what is open. */
    private byte[] out = new byte[8192 + 64];
    private int outStart;
    private int outEnd;
    /** The closers of the open objects and arrays, innermost last; the answer's array is the first. */
    private byte[] open = new byte[16];
    private int depth;
    private boolean inString;
    private boolean escape;
    private int hexLeft;
    private boolean cutting;
    private long stringBytes;
    private long containerBytes;
    /** After a value or a container was closed early: its rest, read and dropped until its own closer. */
    private boolean dropping;
    /** The depth at which dropping ends: 2 after a field's value (the container goes on), 1 after a container. */
    private int dropEnd;
    private long cuts;

    ContainerListCap(InputStream answer, int maxBytes) {
        super(answer);
        this.maxBytes = maxBytes;
    }

    /** Strings and containers cut so far. */
    long cuts() {
        return cuts;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (outStart == outEnd) {
            int n = super.read(in, 0, in.length);
            if (n < 0) {
                return -1;
            }
            outStart = 0;
            outEnd = 0;
            for (int i = 0; i < n; i++) {
                take(in[i]);
            }
        }
        int n = Math.min(len, outEnd - outStart);
        System.arraycopy(out, outStart, b, off, n);
        outStart += n;
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] skipped = new byte[(int) Math.min(n, 8192)];
        int read = read(skipped, 0, skipped.length);
        return Math.max(read, 0);
    }

    @Override
    public int available() {
        return outEnd - outStart;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void take(byte b) {
        if (inString) {
            string(b);
        } else if (dropping) {
            drop(b);
        } else {
            structure(b);
        }
    }

    private void string(byte b) {
        if (escape) {
            escape = false;
            hexLeft = b == 'u' ? 4 : 0;
        } else if (hexLeft > 0) {
            hexLeft--;
        } else if (b == '"') {
            inString = false;
            if (!dropping) {
                emit(b);
            }
            return;
        } else {
            // Cut only where a character or an escape starts: what is kept stays valid UTF-8 and valid JSON.
            if (!cutting && !dropping && stringBytes >= maxBytes && (b & 0xC0) != 0x80) {
                cutting = true;
                cuts++;
            }
            escape = b == '\\';
        }
        if (!cutting && !dropping) {
            emit(b);
            stringBytes++;
        }
    }

    private void structure(byte b) {
        switch (b) {
            case '"' -> {
                inString = true;
                cutting = false;
                stringBytes = 0;
                emit(b);
            }
            case '{', '[' -> {
                if (depth == 1) {
                    containerBytes = 0; // a container starts
                }
                push(b == '{' ? (byte) '}' : (byte) ']');
                emit(b);
            }
            case '}', ']' -> {
                depth = Math.max(0, depth - 1);
                emit(b);
            }
            case ',' -> {
                if (depth >= 2 && containerBytes >= 2L * maxBytes) {
                    closeDownTo(1); // this container's open objects and arrays, then the container itself
                } else if (depth >= 3 && containerBytes >= maxBytes) {
                    closeDownTo(2); // the open objects and arrays of this field's value, and the value itself
                } else {
                    emit(b);
                }
            }
            default -> emit(b);
        }
    }

    /** Writes the closers of what is open above {@code end}, and drops what follows until their own closers. */
    private void closeDownTo(int end) {
        for (int d = depth - 1; d >= end; d--) {
            emit(open[d]);
        }
        dropping = true;
        dropEnd = end;
        cuts++;
    }

    /** The rest of a value or a container closed early: strings and nesting followed, nothing kept. */
    private void drop(byte b) {
        switch (b) {
            case '"' -> inString = true;
            case '{', '[' -> push(b);
            case '}', ']' -> {
                depth--;
                if (depth == dropEnd) {
                    dropping = false; // its own closer, already written
                }
            }
            default -> { }
        }
    }

    private void push(byte closer) {
        if (depth == open.length) {
            open = Arrays.copyOf(open, depth * 2);
        }
        open[depth++] = closer;
    }

    private void emit(byte b) {
        if (outEnd == out.length) {
            out = Arrays.copyOf(out, out.length * 2);
        }
        out[outEnd++] = b;
        if (depth >= 2) {
            containerBytes++;
        }
    }
}
