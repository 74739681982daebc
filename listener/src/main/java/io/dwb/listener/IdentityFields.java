package io.dwb.listener;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.dwb.schemas.ContractJson;
import io.dwb.schemas.EventIdentity;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The identity fields of one event as they are read one value at a time, by the splitter's parser or by the
 * scanner: a duplicate key's last value wins, as in a tree, and a time field's number is null unless that last
 * value was one. Not thread-safe; {@link #clear} per event.
 */
final class IdentityFields {
    private String timeNanoText;
    private Long timeNano;
    private Long timeSeconds;
    private String timeText;
    private String type;
    private String action;
    private String actorId;

    IdentityFields() {
        clear();
    }

    void clear() {
        timeNanoText = "";
        timeNano = null;
        timeSeconds = null;
        timeText = null;
        type = "";
        action = "";
        actorId = "";
    }

    /** Whether a top-level field of this name is one of them. */
    static boolean isTopLevel(String name) {
        return name != null && switch (name) {
            case "timeNano", "time", "Type", "Action" -> true;
            default -> false;
        };
    }

    /**
     * The integer a tree makes of a decimal identity value (its fraction dropped), refused where a tree refuses it
     * (past Jackson's scale limit, where the integer of 1e999999999 would take minutes and hundreds of megabytes) and
     * where it would have more digits than the contract's numbers ({@link ContractJson#MAX_NUMBER_DIGITS}): the
     * integer of 1e99999 took 6 ms, and an event of 55,000 such keys held the reading thread for six minutes, the
     * engine dropping what it wrote meanwhile. Nothing under 1 is computed either: 0 (the same for 1e-99999).
     */
    static BigInteger integerOf(BigDecimal decimal) throws StreamConstraintsException {
        StreamReadConstraints.defaults().validateBigIntegerScale(decimal.scale());
        long digits = (long) decimal.precision() - decimal.scale();
        if (digits > ContractJson.MAX_NUMBER_DIGITS) {
            throw new StreamConstraintsException("a number whose integer has " + digits + " digits, over the "
                    + ContractJson.MAX_NUMBER_DIGITS + " of the contract's numbers");
        }
        return digits <= 0 ? BigInteger.ZERO : decimal.toBigInteger();
    }

    /** The integer as a long, null when it does not fit one (Long.MIN_VALUE fits). */
    static Long exactLong(BigInteger integer) {
        return integer.bitLength() < Long.SIZE ? integer.longValue() : null;
    }

    /** A top-level value: its text as a tree gives it, and for a number its value when it fits a long. */
    void topLevel(String name, String text, Long number) {
        if (name == null) {
            return;
        }
        switch (name) {
            case "timeNano" -> {
                timeNanoText = text;
                timeNano = number;
            }
            case "time" -> {
                timeText = text;
                timeSeconds = number;
            }
            case "Type" -> type = text;
            case "Action" -> action = text;
            default -> { }
        }
    }

    /** {@code Actor.ID}. */
    void actorId(String text) {
        actorId = text;
    }

    EventIdentity identity() {
        return EventIdentity.of(timeNanoText, timeNano, timeSeconds, type, action, actorId);
    }

    /** {@code time} as written, null when missing. */
    String timeText() {
        return timeText;
    }
}
