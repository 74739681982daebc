package io.dwb.listener;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The structure of one event read byte by byte, whatever the bytes are: where the top-level object ends (strings,
 * escapes and brackets followed, nothing else checked) and the identity fields, for an event the JSON parser refuses
 * (too long a name, too deep, invalid UTF-8, a NUL byte). It keeps no more than {@link #MAX_TEXT} bytes of any
 * value, so an event of any size costs nothing here. Not thread-safe; one per stream, {@link #begin} per event.
 */
final class EventScanner {
    /** Longer keys match no identity field, longer identity values are cut: the engine's are ids and words. */
    static final int MAX_TEXT = 256;
    /** The keys that matter in the event's object and in its Actor. */
    private static final String[] TOP_LEVEL_NAMES = {"Actor", "timeNano", "time", "Type", "Action"};
    private static final String[] ACTOR_NAMES = {"ID"};

    /** The current identity key or value's bytes (the first {@link #MAX_TEXT}); a plain array: this is per byte. */
    private final byte[] text = new byte[MAX_TEXT];
    private int textLength;
    private boolean textOverflow;
    /** Open objects and arrays; 0 once the event's object closed. */
    private int depth;
    private boolean inString;
    private boolean escaped;
    /** The last byte {@link #scan} stopped at closed the event's object. */
    private boolean closed;
    /** Inside the object that is the value of the top-level {@code Actor} (at depth 2). */
    private boolean inActor;
    /** At an identity level (the top-level object, the Actor object): whether the next string is a key. */
    private boolean expectKey;
    /** The current string or bare value is an identity key or an identity field's value, kept in {@link #text}. */
    private boolean capturing;
    /** Inside a bare value (number, true, false, null). */
    private boolean bare;
    private String key;
    private String actorKey;
    /**
     * The last value of each identity field, as its bytes: read into Strings and numbers only when {@link #identity}
     * is asked for, which is only for an event the parser refused; the others cost a copy of a few bytes here.
     */
    private final RawValue timeNano = new RawValue();
    private final RawValue time = new RawValue();
    private final RawValue type = new RawValue();
    private final RawValue action = new RawValue();
    private final RawValue actorId = new RawValue();
    private final IdentityFields fields = new IdentityFields();

    /** A new event starts with the {@code '{'} given to the next {@link #step}. */
    void begin() {
        depth = 0;
        closed = false;
        inString = false;
        escaped = false;
        inActor = false;
        bare = false;
        capturing = false;
        key = null;
        actorKey = null;
        timeNano.clear();
        time.clear();
        type.clear();
        action.clear();
        actorId.clear();
    }

    /** Whether the event is inside a string (a newline there cannot be JSON). */
    boolean inString() {
        return inString;
    }

    /**
     * Takes the bytes {@code [from, to)} of the event as {@link #step} would, one after another, until one closes the
     * event's object, is a newline or is 0xFF (where its reader decides what follows): returns that byte's index,
     * having taken it, or -1 when none of them was such a byte. {@link #closed} then says whether it closed the
     * object. A string's bytes between its quotes change nothing unless they are kept, so most of them are passed
     * over in a loop of its own: this runs for every byte the engine sends.
     */
    int scan(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (inString && !escaped && !capturing) {
                while (b != '"' && b != '\\' && b != '\n' && b != (byte) 0xff) {
                    if (++i == to) {
                        return -1;
                    }
                    b = bytes[i];
                }
            }
            closed = step(b);
            if (closed || b == '\n' || b == (byte) 0xff) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the byte at which the last {@link #scan} stopped closed the event's object. */
    boolean closed() {
        return closed;
    }

    /** Takes the next byte of the event; true when it closed the event's object. */
    boolean step(byte b) {
        if (inString) {
            if (escaped) {
                escaped = false;
            } else if (b == '\\') {
                escaped = true;
            } else if (b == '"') {
                inString = false;
                if (capturing) {
                    string();
                }
                return false;
            }
            keep(b);
            return false;
        }
        if (bare) {
            if (b != ',' && b != '}' && b != ']' && b != ':' && !whitespace(b)) {
                keep(b);
                return false;
            }
            bare = false;
            if (capturing) {
                bareValue();
            }
        }
        switch (b) {
            case '"' -> {
                inString = true;
                startText();
            }
            case '{', '[' -> {
                if (depth == 1 && !expectKey && b == '{' && "Actor".equals(key)) {
                    inActor = true;
                    actorKey = null;
                } else if (identityLevel() && !expectKey) {
                    raw(Kind.EMPTY); // a container where a scalar identity field belongs counts as empty, as in a tree
                }
                depth++;
                expectKey = b == '{';
            }
            case '}', ']' -> {
                depth--;
                if (depth == 1) {
                    inActor = false;
                }
                expectKey = false;
                return depth <= 0;
            }
            case ':' -> expectKey = false;
            case ',' -> expectKey = identityLevel();
            default -> {
                if (!whitespace(b)) {
                    bare = true;
                    startText();
                    keep(b);
                }
            }
        }
        return false;
    }

    /** The identity fields read (the kept values decoded), by the rules of {@link EventIdentity}. */
    IdentityFields fields() {
        fields.clear();
        read(timeNano, "timeNano");
        read(time, "time");
        read(type, "Type");
        read(action, "Action");
        if (actorId.kind != Kind.NONE) {
            fields.actorId(value(actorId).text());
        }
        return fields;
    }

    private void read(RawValue raw, String name) {
        if (raw.kind != Kind.NONE) {
            Value value = value(raw);
            fields.topLevel(name, value.text(), value.number());
        }
    }

    /** A value's text as a tree gives it, and for a number its value when it fits a long. */
    private record Value(String text, Long number) {}

    private static Value value(RawValue raw) {
        if (raw.kind == Kind.EMPTY) {
            return new Value("", null);
        }
        if (raw.kind == Kind.STRING) {
            return new Value(unescaped(raw.bytes, raw.length), null);
        }
        String text = new String(raw.bytes, 0, raw.length, StandardCharsets.UTF_8);
        if (text.equals("null")) {
            return new Value("", null);
        }
        Long exact = plainLong(raw);
        if (exact == null) {
            try {
                BigInteger integer = IdentityFields.integerOf(new BigDecimal(text));
                text = integer.toString();
                exact = IdentityFields.exactLong(integer);
            } catch (NumberFormatException | StreamConstraintsException e) {
                // true, false, garbage, or an integer a tree would not make (1e999999999): its text
            }
        }
        return new Value(text, exact);
    }

    static boolean whitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    private boolean identityLevel() {
        return depth == 1 || depth == 2 && inActor;
    }

    private void startText() {
        capturing = identityLevel() && (expectKey || identityValue());
        textLength = 0;
        textOverflow = false;
    }

    /** Whether the value about to start is one of the identity fields (the others are not kept). */
    private boolean identityValue() {
        if (depth == 2) {
            return "ID".equals(actorKey);
        }
        return IdentityFields.isTopLevel(key);
    }

    private void keep(byte b) {
        if (!capturing) {
            return;
        }
        if (textLength < MAX_TEXT) {
            text[textLength++] = b;
        } else {
            textOverflow = true;
        }
    }

    private void string() {
        capturing = false;
        if (expectKey) {
            if (depth == 1) {
                key = identityName(TOP_LEVEL_NAMES);
            } else {
                actorKey = identityName(ACTOR_NAMES);
            }
            return;
        }
        raw(Kind.STRING);
    }

    private void bareValue() {
        capturing = false;
        raw(Kind.BARE);
    }

    /**
     * The value as a long when it is written as the engine writes its times (digits, no sign, no leading zero, no
     * fraction or exponent, within a long): then its text is already what BigDecimal would give, without the
     * BigDecimal; null for anything else.
     */
    private static Long plainLong(RawValue value) {
        byte[] text = value.bytes;
        int textLength = value.length;
        if (value.overflow || textLength == 0 || textLength > 19 || text[0] == '0' && textLength > 1) {
            return null;
        }
        long v = 0;
        for (int i = 0; i < textLength; i++) {
            int digit = text[i] - '0';
            if (digit < 0 || digit > 9 || v > (Long.MAX_VALUE - digit) / 10) {
                return null;
            }
            v = v * 10 + digit;
        }
        return v;
    }

    /** Keeps the value just read (its bytes in {@link #text}) where it is an identity field: the last one wins. */
    private void raw(Kind kind) {
        RawValue slot = slot();
        if (slot != null) {
            slot.keep(kind, text, textLength, textOverflow);
        }
    }

    /** The identity field at the current position, or null. */
    private RawValue slot() {
        if (depth == 2 && inActor) {
            return "ID".equals(actorKey) ? actorId : null;
        }
        if (depth != 1 || key == null) {
            return null;
        }
        return switch (key) {
            case "timeNano" -> timeNano;
            case "time" -> time;
            case "Type" -> type;
            case "Action" -> action;
            default -> null;
        };
    }

    /**
     * The key just read, if it is one of {@code names} (the same String), else null: only those matter here. Compared
     * as bytes, without a String per key, unless it holds an escape.
     */
    private String identityName(String[] names) {
        if (textOverflow) {
            return null;
        }
        boolean escaped = false;
        for (int i = 0; i < textLength && !escaped; i++) {
            escaped = text[i] == '\\';
        }
        String unescaped = escaped ? unescaped(text, textLength) : null;
        for (String name : names) {
            if (escaped ? name.equals(unescaped) : sameAscii(name)) {
                return name;
            }
        }
        return null;
    }

    private boolean sameAscii(String name) {
        if (name.length() != textLength) {
            return false;
        }
        for (int i = 0; i < textLength; i++) {
            if (text[i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The string's text: JSON escapes resolved when they are valid, invalid UTF-8 as U+FFFD. */
    private static String unescaped(byte[] text, int textLength) {
        String decoded = new String(text, 0, textLength, StandardCharsets.UTF_8);
        if (decoded.indexOf('\\') < 0) {
            return decoded;
        }
        try {
            return ContractJson.MAPPER.readValue("\"" + decoded + "\"", String.class);
        } catch (IOException e) {
            return decoded;
        }
    }

    /** What an identity field's last value was. */
    private enum Kind { NONE, STRING, BARE, EMPTY }

    /** One identity field's last value: its kind and its first {@link #MAX_TEXT} bytes. */
    private static final class RawValue {
        private final byte[] bytes = new byte[MAX_TEXT];
        private Kind kind = Kind.NONE;
        private int length;
        private boolean overflow;

        void clear() {
            kind = Kind.NONE;
        }

        void keep(Kind valueKind, byte[] text, int textLength, boolean textOverflow) {
            kind = valueKind;
            length = valueKind == Kind.EMPTY ? 0 : textLength;
            overflow = textOverflow;
            System.arraycopy(text, 0, bytes, 0, length);
        }
    }
}
