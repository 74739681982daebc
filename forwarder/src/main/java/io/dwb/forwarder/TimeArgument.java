package io.dwb.forwarder;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;

/** {@code --from} / {@code --to}: RFC 3339 ({@code 2026-11-27T03:00:00Z}) or epoch seconds ({@code 1795748400.5}). */
public final class TimeArgument implements CommandLine.ITypeConverter<Long> {

    /** Nanoseconds since the epoch. */
    public static long parseNanos(String text) {
        String t = text.trim();
        if (t.matches("-?\\d+(\\.\\d+)?")) {
            return new BigDecimal(t).movePointRight(9).longValue();
        }
        try {
            OffsetDateTime time = OffsetDateTime.parse(t);
            return time.toEpochSecond() * 1_000_000_000L + time.getNano();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text
                    + "' is neither RFC 3339 (2026-11-27T03:00:00Z) nor epoch seconds (1795748400)");
        }
    }

    @Override
    public Long convert(String value) {
        try {
            return parseNanos(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
