package io.dwb.listener;

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
    private final IdentityFields fields = new IdentityFields();

    /** A new event starts with the {@code '{'} given to the next {@link #step}. */
    void begin() {
        depth = 0;
        inString = false;
        escaped = false;
        inActor = false;
        bare = false;
        capturing = false;
        key = null;
        actorKey = null;
        fields.clear();
    }

    /** Whether the event is inside a string (a newline there cannot be JSON). */
    boolean inString() {
        return inString;
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
                    value("", null); // a container where a scalar identity field belongs counts as empty, as in a tree
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

    /** The identity fields read, by the rules of {@link EventIdentity}. */
    EventIdentity identity() {
        return fields.identity();
    }

    /** {@code time} as written, null when missing. */
    String timeText() {
        return fields.timeText();
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
        value(unescaped(), null);
    }

    private void bareValue() {
        capturing = false;
        String raw = new String(text, 0, textLength, StandardCharsets.UTF_8);
        if (raw.equals("null")) {
            value("", null);
            return;
        }
        String value = raw;
        Long exact = plainLong();
        if (exact == null) {
            try {
                BigInteger integer = new BigDecimal(raw).toBigInteger();
                value = integer.toString();
                exact = integer.bitLength() < Long.SIZE ? integer.longValue() : null; // Long.MIN_VALUE included
            } catch (NumberFormatException e) {
                // true, false or garbage: its text
            }
        }
        value(value, exact);
    }

    /**
     * The value as a long when it is written as the engine writes its times (digits, no sign, no leading zero, no
     * fraction or exponent, within a long): then its text is already what BigDecimal would give, without the
     * BigDecimal; null for anything else.
     */
    private Long plainLong() {
        if (textOverflow || textLength == 0 || textLength > 19 || text[0] == '0' && textLength > 1) {
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

    /** Records a scalar (or "" for a container) where an identity field is; {@code number} for a number. */
    private void value(String value, Long number) {
        if (depth == 1) {
            fields.topLevel(key, value, number);
        } else if (depth == 2 && inActor && "ID".equals(actorKey)) {
            fields.actorId(value);
        }
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
        String unescaped = escaped ? unescaped() : null;
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
    private String unescaped() {
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
}
