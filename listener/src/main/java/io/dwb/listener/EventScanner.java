package io.dwb.listener;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The structure of one event read byte by byte, whatever the bytes are: where the top-level object ends (strings,
 * escapes and brackets followed, nothing else checked) and the identity fields, for an event the JSON parser refuses
 * (too long a name, too deep, invalid UTF-8, a NUL byte). It keeps no more than {@link #MAX_TEXT} bytes of any
 * value ({@link StandIn#MAX_NAME_CHARS} of a name or image), so an event of any size costs nothing here. Not
 * thread-safe; one per stream, {@link #begin} per event.
 *
 * <p>One made {@link #withNames()} also reads {@code Actor.Attributes.name} and {@code .image}, for a stand-in: the
 * engine's own attributes, which it sets after copying the labels in (a label called {@code name} is overwritten),
 * so the last of each is the engine's, as in a tree. That costs a step per byte of every label key, so the
 * splitter's scanner, which sees every event, does without.
 */
final class EventScanner {
    /** Longer keys match no identity field, longer identity values are cut: the engine's are ids and words. */
    static final int MAX_TEXT = 256;
    /** The keys that matter in the event's object, in its Actor and in the Actor's Attributes. */
    private static final String[] TOP_LEVEL_NAMES = {"Actor", "timeNano", "time", "Type", "Action"};
    private static final String[] ACTOR_NAMES = {"ID", "Attributes"};
    private static final String[] ATTRIBUTE_NAMES = {"name", "image"};

    /** Whether {@code Actor.Attributes.name} and {@code .image} are read too. */
    private final boolean readNames;
    /**
     * The current identity key or value's bytes (the first {@link #MAX_TEXT}, or {@link StandIn#MAX_NAME_CHARS} of
     * a name or image: no character takes fewer than one byte); a plain array: this is per byte.
     */
    private final byte[] text;
    private int textLength;
    private int textLimit;
    private boolean textOverflow;
    /** Open objects and arrays; 0 once the event's object closed. */
    private int depth;
    private boolean inString;
    private boolean escaped;
    /** The last byte {@link #scan} stopped at closed the event's object. */
    private boolean closed;
    /** Inside the object that is the value of the top-level {@code Actor} (at depth 2). */
    private boolean inActor;
    /** Inside the object that is the value of the Actor's {@code Attributes} (at depth 3), when reading names. */
    private boolean inAttributes;
    /** At an identity level (the top-level object, the Actor object): whether the next string is a key. */
    private boolean expectKey;
    /** The current string or bare value is an identity key or an identity field's value, kept in {@link #text}. */
    private boolean capturing;
    /** Inside a bare value (number, true, false, null). */
    private boolean bare;
    private String key;
    private String actorKey;
    private String attributeKey;
    /**
     * The last value of each identity field, as its bytes: read into Strings and numbers only when {@link #identity}
     * is asked for, which is only for an event the parser refused; the others cost a copy of a few bytes here.
     */
    private final RawValue timeNano = new RawValue(MAX_TEXT);
    private final RawValue time = new RawValue(MAX_TEXT);
    private final RawValue type = new RawValue(MAX_TEXT);
    private final RawValue action = new RawValue(MAX_TEXT);
    private final RawValue actorId = new RawValue(MAX_TEXT);
    private final RawValue actorName;
    private final RawValue actorImage;
    private final IdentityFields fields = new IdentityFields();

    /** A scanner of the identity fields only. */
    EventScanner() {
        this(false);
    }

    private EventScanner(boolean readNames) {
        this.readNames = readNames;
        text = new byte[readNames ? Math.max(MAX_TEXT, StandIn.MAX_NAME_CHARS) : MAX_TEXT];
        actorName = new RawValue(readNames ? StandIn.MAX_NAME_CHARS : 0);
        actorImage = new RawValue(readNames ? StandIn.MAX_NAME_CHARS : 0);
    }

    /** A scanner that also reads {@code Actor.Attributes.name} and {@code .image}: {@link #names()}. */
    static EventScanner withNames() {
        return new EventScanner(true);
    }

    /** A new event starts with the {@code '{'} given to the next {@link #step}. */
    void begin() {
        depth = 0;
        closed = false;
        inString = false;
        escaped = false;
        inActor = false;
        inAttributes = false;
        bare = false;
        capturing = false;
        key = null;
        actorKey = null;
        attributeKey = null;
        timeNano.clear();
        time.clear();
        type.clear();
        action.clear();
        actorId.clear();
        actorName.clear();
        actorImage.clear();
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

    /**
     * Takes the bytes {@code [from, to)} of the event, all of them, as {@link #step} would: for a scanner read only
     * for what it keeps, given bytes the splitter already knows to be the event's.
     */
    void takeAll(byte[] bytes, int from, int to) {
        for (int at = from; at < to; ) {
            int stop = scan(bytes, at, to);
            if (stop < 0) {
                return;
            }
            at = stop + 1;
        }
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
                if (readNames) {
                    replacingNames();
                }
                if (depth == 1 && !expectKey && b == '{' && "Actor".equals(key)) {
                    inActor = true;
                    actorKey = null;
                } else if (readNames && depth == 2 && inActor && !expectKey && b == '{'
                        && "Attributes".equals(actorKey)) {
                    inAttributes = true;
                    attributeKey = null;
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
                } else if (depth == 2) {
                    inAttributes = false;
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

    /**
     * {@code Actor.Attributes.name} and {@code .image} as read (each null unless its last value was a string; at
     * most {@link StandIn#MAX_NAME_CHARS} bytes of it as the engine wrote it, decoded), for a scanner made {@link
     * #withNames()}.
     */
    StandIn.Names names() {
        return new StandIn.Names(string(actorName), string(actorImage));
    }

    /** The string's text; one cut at its bound ends before an escape or a character the bound split. */
    private static String string(RawValue raw) {
        if (raw.kind != Kind.STRING) {
            return null;
        }
        return unescaped(raw.bytes, raw.overflow ? whole(raw.bytes, raw.length) : raw.length);
    }

    /**
     * How many of the first {@code length} bytes of a string's text end after a whole escape and a whole UTF-8
     * character: the half of one would be read as a backslash or as U+FFFD, which the engine did not write. An
     * escaped surrogate pair is one character: its first half alone is no text (the forwarder dead-letters it).
     */
    private static int whole(byte[] text, int length) {
        int end = 0; // after the last whole escape or character
        for (int i = 0; i < length; ) {
            int b = text[i] & 0xff;
            int size = b == '\\' ? (i + 1 < length && text[i + 1] == 'u' ? escapeSize(text, i, length) : 2)
                    : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            if (i + size > length) {
                break;
            }
            i += size;
            end = i;
        }
        return end;
    }

    /**
     * The bytes of the {@code \\u} escape at {@code at}: 12 for a high surrogate's, with the low one's it needs (more
     * than are left when the bound cut it off), else 6.
     */
    private static int escapeSize(byte[] text, int at, int length) {
        if (at + 6 > length || !highSurrogate(text, at + 2)) {
            return 6;
        }
        return at + 8 > length || text[at + 6] == '\\' && text[at + 7] == 'u' ? 12 : 6;
    }

    /** Whether the four hex digits at {@code at} are D800 to DBFF. */
    private static boolean highSurrogate(byte[] text, int at) {
        return (text[at] == 'd' || text[at] == 'D') && "89abAB".indexOf(text[at + 1]) >= 0;
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
            // Cut as names are: an escape the bound split failed the whole text's unescaping, and a stand-in's
            // Action showed every escape of an exec's command line as written (sh -c echo \"x\")
            return new Value(string(raw), null);
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
        return depth == 1 || depth == 2 && inActor || depth == 3 && inAttributes;
    }

    /**
     * A value of {@code Actor}, or of its {@code Attributes}, starts: it replaces the one before (only another
     * producer than the engine writes a key twice), and with it the names read there, as in a tree. Called only
     * when reading names: this is per value of every event otherwise.
     */
    private void replacingNames() {
        if (!expectKey && (depth == 1 && "Actor".equals(key)
                || depth == 2 && inActor && "Attributes".equals(actorKey))) {
            actorName.clear();
            actorImage.clear();
        }
    }

    private void startText() {
        if (readNames) {
            replacingNames();
        }
        capturing = identityLevel() && (expectKey || identityValue());
        textLength = 0;
        textLimit = inAttributes && depth == 3 && !expectKey ? StandIn.MAX_NAME_CHARS : MAX_TEXT;
        textOverflow = false;
    }

    /** Whether the value about to start is one of the identity fields (the others are not kept). */
    private boolean identityValue() {
        return switch (depth) {
            case 1 -> IdentityFields.isTopLevel(key);
            case 2 -> "ID".equals(actorKey);
            default -> attributeKey != null;
        };
    }

    private void keep(byte b) {
        if (!capturing) {
            return;
        }
        if (textLength < textLimit) {
            text[textLength++] = b;
        } else {
            textOverflow = true;
        }
    }

    private void string() {
        capturing = false;
        if (expectKey) {
            switch (depth) {
                case 1 -> key = identityName(TOP_LEVEL_NAMES);
                case 2 -> actorKey = identityName(ACTOR_NAMES);
                default -> attributeKey = identityName(ATTRIBUTE_NAMES);
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
        if (depth == 3 && inAttributes) {
            return "name".equals(attributeKey) ? actorName : "image".equals(attributeKey) ? actorImage : null;
        }
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

    /** One identity field's last value: its kind and its first bytes (as many as it has room for). */
    private static final class RawValue {
        private final byte[] bytes;
        private Kind kind = Kind.NONE;
        private int length;
        private boolean overflow;

        RawValue(int capacity) {
            bytes = new byte[capacity];
        }

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
