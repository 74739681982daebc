package io.dwb.listener;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.EventIds;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Splits the body of GET /events into events as it arrives: each top-level JSON object becomes a
 * {@link CapturedEvent} with the engine's exact bytes and its event id, and the identity fields ({@code timeNano},
 * {@code time}, {@code Type}, {@code Action}, {@code Actor.ID}) are read by Jackson's non-blocking parser, without
 * building a tree. A read is not an event: values may span reads, and several may share one; the parser is given
 * each event whole once its end is found (or as it comes, once it is over the size limit). Not thread-safe.
 *
 * <p>Whatever the bytes, the stream goes on: where an event ends is found by an {@link EventScanner}, which only
 * follows strings and brackets, and by the engine's way of writing one event per line (a newline inside an event
 * ends it). An event the parser refuses (over the contract parser's limits, not valid JSON, cut by a newline) or
 * longer than {@code maxEventBytes} (Kafka would refuse it) is not published as it is: it becomes a {@link StandIn}
 * holding its identity fields, its Actor's name and image and {@code "truncated": true}, so the forwarder still
 * alerts on who did what and when, and the {@link StandInReport} counts and logs it. Bytes that do not start an
 * object are skipped to the end of their line.
 */
public final class EventSplitter {
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final JsonFactory factory;
    private final String hostId;
    private final int maxEventBytes;
    private final StandInReport report;
    /** Monotonic nanoseconds, read once per {@link #feed}: when its events were read. */
    private final LongSupplier nanoClock;
    private final EventScanner scanner = new EventScanner();
    /**
     * Reads a stand-in's {@code Actor.Attributes.name} and {@code .image}, only for an event that becomes one: it
     * steps through every label key, which the scanner of every event does not. Jackson cannot read them: it stops
     * at what it refuses, and a label sorts before {@code name} (the engine writes attributes in key order).
     */
    private final EventScanner names = EventScanner.withNames();
    /** {@link #names} has been given the current event's bytes so far (it is over the limit, or ended refused). */
    private boolean readingNames;
    private JsonParser parser;
    private ByteArrayFeeder feeder;
    /** The current event's bytes so far, while it is not over the limit. */
    private byte[] kept = new byte[INITIAL_BUFFER];
    private int keptLength;
    /** Offset in the stream of the next byte fed. */
    private long offset;
    /** When the current feed's bytes were read. */
    private long readNanos;
    private boolean inEvent;
    /** Skipping bytes that are not an event, up to the end of their line. */
    private boolean skippingLine;
    private long eventSize;
    private boolean oversize;
    /** Why the parser refused the current event; null while it accepts it. */
    private StandInReason refused;
    private String refusal;
    /** The parser read the current event's object to its end. */
    private boolean parsed;
    /** Open objects and arrays, as the parser read them: above 0 while inside an event. */
    private int depth;
    private String field;
    private boolean inActor;
    private final IdentityFields fields = new IdentityFields();
    private final EventIds ids = new EventIds();

    /** With a report that only logs, and the system's clock. */
    public EventSplitter(String hostId, int maxEventBytes) {
        this(hostId, maxEventBytes, StandInReport.logOnly(), System::nanoTime);
    }

    /**
     * @param hostId        the engine's host id, for the events' ids: computed here, on the reading thread, the
     *                      SHA-256 would otherwise be the largest part of the publishing thread's work
     * @param maxEventBytes longer events become stand-ins
     * @param report        told of every stand-in
     * @param nanoClock     monotonic nanoseconds: each event's {@link CapturedEvent#readNanos}
     */
    public EventSplitter(String hostId, int maxEventBytes, StandInReport report, LongSupplier nanoClock) {
        this(hostId, maxEventBytes, report, nanoClock, parsers(maxEventBytes));
    }

    /** With the parsers of {@code factory}: a test's, that fails where Jackson might. */
    EventSplitter(String hostId, int maxEventBytes, StandInReport report, LongSupplier nanoClock,
                  JsonFactory factory) {
        this.hostId = hostId;
        this.maxEventBytes = maxEventBytes;
        this.report = report;
        this.nanoClock = nanoClock;
        this.factory = factory;
        newParser();
    }

    /**
     * The contract's parser limits (what the forwarder reads), except strings: the non-blocking parser holds a whole
     * string token in memory, and a string longer than an event may be makes a stand-in anyway. Field names are not
     * kept in a table: the parser lives as long as the subscription, whoever runs a container chooses its label
     * keys, and the table kept every new one (40 events of fifty 30,000-character keys filled a 64 MB heap).
     */
    private static JsonFactory parsers(int maxEventBytes) {
        StreamReadConstraints contract = ContractJson.MAPPER.getFactory().streamReadConstraints();
        return JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .streamReadConstraints(StreamReadConstraints.builder()
                .maxNameLength(contract.getMaxNameLength()).maxNestingDepth(contract.getMaxNestingDepth())
                .maxNumberLength(contract.getMaxNumberLength())
                .maxStringLength(Math.min(contract.getMaxStringLength(), maxEventBytes)).build()).build();
    }

    /** Takes the next {@code length} bytes of the body; hands each event completed by them to {@code sink}. */
    public void feed(byte[] bytes, int length, Consumer<CapturedEvent> sink) {
        readNanos = nanoClock.getAsLong(); // an event is read when the read that completes it returns
        int from = 0; // the first byte of the current event not yet kept nor parsed
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (!inEvent) {
                if (skippingLine) {
                    skippingLine = b != '\n';
                    continue;
                }
                if (b == '{') {
                    begin();
                    from = i;
                } else {
                    if (!EventScanner.whitespace(b)) {
                        skippingLine = true;
                        report.skipped(offset + i, "a byte of value " + (b & 0xff) + " where an event begins");
                    }
                    continue;
                }
            }
            int stop = scanner.scan(bytes, i, length);
            if (stop < 0) {
                break; // the rest of the read is in the event
            }
            i = stop;
            b = bytes[i];
            boolean closed = scanner.closed();
            if (b == (byte) 0xff) {
                // Never in UTF-8: refused here whatever the parser makes of it. (With its name table, Jackson padded
                // a name's last 4-byte group with it to look the name up: "\xFFype" was taken for "ype", read before.)
                refuse(StandInReason.MALFORMED, "the byte 0xFF, which UTF-8 never has, at byte "
                        + (eventSize + i - from));
            }
            if (closed || b == '\n') {
                take(bytes, from, i + 1);
                from = i + 1;
                if (!oversize) {
                    parse(kept, 0, keptLength);
                }
                if (!closed) {
                    refuse(StandInReason.CUT_BY_NEWLINE, "a newline inside the event, after " + eventSize
                            + " bytes");
                }
                sink.accept(finish());
            }
        }
        if (inEvent) {
            take(bytes, from, length);
        }
        offset += length;
    }

    /** The body ended: an event cut short is an error (the engine closes between events). */
    public void end() throws IOException {
        if (inEvent) {
            throw new IOException("the engine's stream ended in the middle of an event");
        }
    }

    private void begin() {
        inEvent = true;
        scanner.begin();
        keptLength = 0;
        eventSize = 0;
        oversize = false;
        refused = null;
        refusal = null;
        parsed = false;
        depth = 0;
        field = null;
        inActor = false;
        readingNames = false;
        fields.clear();
    }

    /**
     * The event's bytes [from, to) of {@code bytes}: kept while it is under the limit (and parsed whole at its end),
     * parsed as they come once it is over (only its identity fields are wanted then).
     */
    private void take(byte[] bytes, int from, int to) {
        int length = to - from;
        eventSize += length;
        if (!oversize && eventSize > maxEventBytes) {
            oversize = true; // stop keeping its bytes; its identity is still read, and its names
            parse(kept, 0, keptLength);
            readNames(kept, 0, keptLength);
            keptLength = 0;
            if (kept.length > INITIAL_BUFFER) {
                kept = new byte[INITIAL_BUFFER];
            }
        }
        if (oversize) {
            parse(bytes, from, to);
            readNames(bytes, from, to);
            return;
        }
        if (keptLength + length > kept.length) {
            kept = Arrays.copyOf(kept, Math.max(kept.length * 2, keptLength + length));
        }
        System.arraycopy(bytes, from, kept, keptLength, length);
        keptLength += length;
    }

    /**
     * Feeds the parser. An event published as it is reaches it in one piece: Jackson's non-blocking parser takes a
     * trailing comma ({@code {"a":1,}}) when a feed ends between the comma and the brace.
     */
    private void parse(byte[] bytes, int from, int to) {
        if (refused != null) {
            return;
        }
        try {
            feeder.feedInput(bytes, from, to);
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.NOT_AVAILABLE && token != null) {
                if (parsed) {
                    throw new JsonParseException(parser, "more after the end of the event's object");
                }
                token(token);
            }
        } catch (StreamConstraintsException e) {
            refuse(StandInReason.PARSER_LIMIT, e.getOriginalMessage());
        } catch (NumberFormatException e) {
            refuse(StandInReason.PARSER_LIMIT, e.getMessage()); // a number's text past what BigDecimal holds
        } catch (IOException e) {
            refuse(StandInReason.MALFORMED, e instanceof JsonProcessingException p ? p.getOriginalMessage()
                    : e.getMessage());
        } catch (RuntimeException e) {
            // Whatever else fails on these bytes fails on them again after a reconnect from the checkpoint: the
            // event is the parser's to refuse, not the stream's to end (that would blind the host from here on).
            refuse(StandInReason.MALFORMED, "the parser failed: " + e);
        }
    }

    /** Gives {@link #names} the event's next bytes, the first ones from the event's start. */
    private void readNames(byte[] bytes, int from, int to) {
        if (!readingNames) {
            names.begin();
            readingNames = true;
        }
        names.takeAll(bytes, from, to);
    }

    /** The stand-in's name and image: read as they came over the limit, else now, from the event's kept bytes. */
    private StandIn.Names standInNames() {
        if (!readingNames) {
            readNames(kept, 0, keptLength);
        }
        return names.names();
    }

    private void refuse(StandInReason reason, String why) {
        if (refused == null) {
            refused = reason;
            refusal = why;
        }
    }

    private void newParser() {
        try {
            parser = factory.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson always builds a non-blocking parser", e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** The current event ended (its object closed, or its line): what to publish for it. */
    private CapturedEvent finish() {
        inEvent = false;
        if (refused == null && !parsed) {
            refuse(StandInReason.MALFORMED, "its object ends where the parser did not expect it");
        }
        CapturedEvent event;
        if (refused != null) {
            // The parser stopped at the refusal: the scanner read the whole event.
            newParser();
            IdentityFields scanned = scanner.fields();
            EventIdentity identity = scanned.identity();
            StandIn.Names standInNames = standInNames();
            // Over the size limit it would be a stand-in whatever else is wrong with it: that is the reason given.
            report.standIn(oversize ? StandInReason.TOO_LARGE : refused, identity, standInNames, eventSize, oversize
                    ? "longer than Kafka takes (" + maxEventBytes + " bytes), and " + refusal : refusal);
            event = new CapturedEvent(StandIn.of(identity, scanned.timeText(), standInNames, eventSize), identity,
                    ids.of(hostId, identity), readNanos);
        } else {
            EventIdentity identity = fields.identity();
            byte[] json;
            if (oversize) {
                StandIn.Names standInNames = standInNames();
                report.standIn(StandInReason.TOO_LARGE, identity, standInNames, eventSize,
                        "longer than Kafka takes (" + maxEventBytes + " bytes)");
                json = StandIn.of(identity, fields.timeText(), standInNames, eventSize);
            } else {
                json = Arrays.copyOf(kept, keptLength);
            }
            // The id from the whole fields (an exec's Action is its whole command line); the event keeps them cut.
            event = new CapturedEvent(json, identity, ids.of(hostId, identity), readNanos);
        }
        fields.clear(); // not kept until the next event: an Action may be megabytes
        if (kept.length > INITIAL_BUFFER) {
            kept = new byte[INITIAL_BUFFER]; // a big event's buffer is not kept for the small ones after it
        }
        return event;
    }

    private void token(JsonToken token) throws IOException {
        if (depth == 0 && token != JsonToken.START_OBJECT) {
            throw new JsonParseException(parser, "a JSON " + token + " where an event object belongs");
        }
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                if (depth == 1 && "Actor".equals(field) && token == JsonToken.START_OBJECT) {
                    inActor = true;
                } else {
                    value("", null); // a container where a scalar identity field belongs counts as empty, as in a tree
                }
                depth++;
            }
            case END_OBJECT, END_ARRAY -> {
                depth--;
                if (depth == 1) {
                    inActor = false;
                }
                if (depth == 0) {
                    parsed = true;
                }
            }
            case FIELD_NAME -> field = parser.currentName();
            case VALUE_NULL -> value("", null);
            // Only the identity fields are read as text: the rest (labels mostly) are skipped without a String.
            case VALUE_NUMBER_INT -> {
                if (identityField()) {
                    number(token);
                }
            }
            case VALUE_NUMBER_FLOAT -> {
                // The contract's parser reads every decimal as a BigDecimal and refuses some (an exponent beyond an
                // int): read each here too, so that none reaches the forwarder. The engine writes none.
                parser.getDecimalValue();
                if (identityField()) {
                    number(token);
                }
            }
            default -> {
                if (identityField()) {
                    value(parser.getText(), null);
                }
            }
        }
    }

    private void number(JsonToken token) throws IOException {
        String text;
        Long exact;
        if (token == JsonToken.VALUE_NUMBER_INT) {
            exact = parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? null : parser.getLongValue();
            // The integer's text as a tree gives it ("-0" is 0), not as written.
            text = exact != null ? Long.toString(exact) : parser.getBigIntegerValue().toString();
        } else {
            BigInteger integer;
            try {
                integer = IdentityFields.integerOf(parser.getDecimalValue());
            } catch (StreamConstraintsException e) {
                if (depth == 1 && "time".equals(field)) {
                    value(parser.getText(), null); // time is no id's text: a tree reads only its number, none here
                    return;
                }
                throw e;
            }
            text = integer.toString();
            exact = IdentityFields.exactLong(integer);
        }
        value(text, exact);
    }

    /** Whether the value at the current position is one of the identity fields. */
    private boolean identityField() {
        if (depth == 1) {
            return IdentityFields.isTopLevel(field);
        }
        return depth == 2 && inActor && "ID".equals(field);
    }

    /** Records a scalar (or "" for a container) at the current position when it is an identity field. */
    private void value(String text, Long number) {
        if (depth == 1) {
            fields.topLevel(field, text, number);
        } else if (depth == 2 && inActor && "ID".equals(field)) {
            fields.actorId(text);
        }
    }
}
