package io.dwb.listener;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import io.dwb.schemas.StandIn;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Splits the body of GET /events into events as it arrives: each top-level JSON object becomes a
 * {@link CapturedEvent} with the engine's exact bytes and its event id, and the identity fields ({@code timeNano},
 * {@code time}, {@code Type}, {@code Action}, {@code Actor.ID}) are read on the way by Jackson's non-blocking
 * parser, without building a tree. A read is not an event: values may span reads, and several may share one. Not thread-safe.
 *
 * <p>An event longer than {@code maxEventBytes} is not kept: Kafka would refuse it and the listener would retry it
 * forever. It becomes a {@link StandIn} holding its identity fields and {@code "truncated": true}, so the forwarder
 * still alerts on who did what and when.
 */
public final class EventSplitter {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventSplitter.class);
    private static final int INITIAL_BUFFER = 64 * 1024;

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final String hostId;
    private final int maxEventBytes;
    /** Bytes read and not yet part of an emitted event: pending[head, tail) is the stream from offset headOffset. */
    private byte[] pending = new byte[INITIAL_BUFFER];
    private int head;
    private int tail;
    private long headOffset;
    /** The read being parsed, for what follows an oversize event in it. */
    private byte[] chunk;
    private long chunkOffset;
    private int chunkLength;
    private boolean oversize;
    private long eventStart;
    /** Open objects and arrays: above 0 while inside an event. */
    private int depth;
    private String field;
    private boolean inActor;
    private String timeNanoText;
    private Long timeNano;
    private Long timeSeconds;
    private String timeText;
    private String type;
    private String action;
    private String actorId;

    /**
     * @param hostId        the engine's host id, for the events' ids: computed here, on the reading thread, the
     *                      SHA-256 would otherwise be the largest part of the publishing thread's work
     * @param maxEventBytes longer events become stand-ins
     */
    public EventSplitter(String hostId, int maxEventBytes) {
        this.hostId = hostId;
        this.maxEventBytes = maxEventBytes;
        try {
            this.parser = ContractJson.MAPPER.getFactory().createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException("Jackson always builds a non-blocking parser", e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** Takes the next {@code length} bytes of the body; hands each event completed by them to {@code sink}. */
    public void feed(byte[] bytes, int length, Consumer<CapturedEvent> sink) throws IOException {
        keep(bytes, length);
        feeder.feedInput(bytes, 0, length);
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.NOT_AVAILABLE && token != null) {
            CapturedEvent event = take(token);
            if (event != null) {
                sink.accept(event);
            }
        }
    }

    /** The body ended: an event cut short is an error (the engine closes between events). */
    public void end() throws IOException {
        feeder.endOfInput();
        while (parser.nextToken() != null) {
            // only reached with a value cut short: the parser throws for it
        }
        if (depth > 0) {
            throw new IOException("the engine's stream ended in the middle of an event");
        }
    }

    private void keep(byte[] bytes, int length) {
        chunk = bytes;
        chunkOffset = headOffset + (tail - head);
        chunkLength = length;
        if (depth > 0 && !oversize && tail - head > maxEventBytes) {
            oversize = true; // an event already over the limit: stop keeping its bytes, still read its identity
        }
        if (oversize) {
            headOffset += (tail - head) + length;
            head = tail = 0;
            return;
        }
        if (tail + length > pending.length) {
            int kept = tail - head;
            byte[] target = kept + length > pending.length
                    ? new byte[Math.max(pending.length * 2, kept + length)] : pending;
            System.arraycopy(pending, head, target, 0, kept);
            pending = target;
            head = 0;
            tail = kept;
        }
        System.arraycopy(bytes, 0, pending, tail, length);
        tail += length;
    }

    private CapturedEvent take(JsonToken token) throws IOException {
        if (depth == 0) {
            if (token != JsonToken.START_OBJECT) {
                throw new IOException("the engine sent a JSON " + token + " where an event object belongs");
            }
            begin();
        }
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                if (depth == 1 && "Actor".equals(field) && token == JsonToken.START_OBJECT) {
                    inActor = true;
                } else {
                    value(""); // a container where a scalar identity field belongs counts as empty, as in a tree
                }
                depth++;
            }
            case END_OBJECT, END_ARRAY -> {
                depth--;
                if (depth == 1) {
                    inActor = false;
                }
                if (depth == 0) {
                    return finish();
                }
            }
            case FIELD_NAME -> field = parser.currentName();
            case VALUE_NULL -> value("");
            // Only the identity fields are read as text: the rest (labels mostly) are skipped without a String.
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                if (identityField()) {
                    number(token);
                }
            }
            default -> {
                if (identityField()) {
                    value(parser.getText());
                }
            }
        }
        return null;
    }

    private void begin() {
        field = null;
        inActor = false;
        timeNanoText = "";
        timeNano = null;
        timeSeconds = null;
        timeText = null;
        type = "";
        action = "";
        actorId = "";
        // Only whitespace separates events, and pending starts right after the previous one: skip to this '{'.
        while (head < tail && pending[head] != '{') {
            head++;
            headOffset++;
        }
        eventStart = headOffset;
    }

    private CapturedEvent finish() {
        EventIdentity identity = EventIdentity.of(timeNanoText, timeNano, timeSeconds, type, action, actorId);
        long end = parser.currentLocation().getByteOffset();
        long size = end - eventStart;
        byte[] json;
        if (oversize) {
            // Its bytes were dropped: what the current read holds after it becomes the pending bytes.
            oversize = false;
            int from = (int) (end - chunkOffset);
            if (pending.length < chunkLength - from) {
                pending = new byte[chunkLength - from];
            }
            System.arraycopy(chunk, from, pending, 0, chunkLength - from);
            head = 0;
            tail = chunkLength - from;
            headOffset = end;
            json = standIn(identity, size);
        } else {
            json = size > maxEventBytes ? standIn(identity, size)
                    : Arrays.copyOfRange(pending, head, head + (int) size);
            head += (int) size;
            headOffset = end;
        }
        return new CapturedEvent(json, identity, identity.id(hostId));
    }

    private void number(JsonToken token) throws IOException {
        String text;
        Long exact;
        if (token == JsonToken.VALUE_NUMBER_INT) {
            text = parser.getText();
            exact = parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? null : parser.getLongValue();
        } else {
            BigDecimal decimal = parser.getDecimalValue();
            text = decimal.toBigInteger().toString();
            exact = decimal.abs().compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) <= 0 ? decimal.longValue() : null;
        }
        if (depth == 1 && "timeNano".equals(field)) {
            timeNano = exact;
        } else if (depth == 1 && "time".equals(field)) {
            timeSeconds = exact;
        }
        value(text);
    }

    /** Whether the value at the current position is one of the identity fields. */
    private boolean identityField() {
        if (depth == 1 && field != null) {
            return switch (field) {
                case "timeNano", "time", "Type", "Action" -> true;
                default -> false;
            };
        }
        return depth == 2 && inActor && "ID".equals(field);
    }

    /** Records a scalar at the current position when it is one of the identity fields. */
    private void value(String text) {
        if (depth == 1 && field != null) {
            switch (field) {
                case "timeNano" -> timeNanoText = text;
                case "time" -> timeText = text;
                case "Type" -> type = text;
                case "Action" -> action = text;
                default -> { }
            }
        } else if (depth == 2 && inActor && "ID".equals(field)) {
            actorId = text;
        }
    }

    /** What replaces an event over the limit ({@link StandIn}), said once in the log. */
    private byte[] standIn(EventIdentity identity, long size) {
        log.warn("the engine sent a {} {} event of {} bytes for {} (timeNano {}), longer than Kafka takes ({} bytes): "
                + "publishing its identity only, marked truncated", identity.type(), identity.action(), size,
                identity.actorId(), identity.timeNanoText(), maxEventBytes);
        return StandIn.of(identity, timeText, size);
    }
}
