package io.dwb.forwarder;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import picocli.CommandLine;

/** {@code --from} / {@code --to}: RFC 3339 ({@code 2026-11-27T03:00:00Z}) or epoch seconds ({@code 1795748400.5}). */
public final class TimeArgument implements CommandLine.ITypeConverter<Long> {

    /** Nanoseconds since the epoch. */
    public static long parseNanos(String text) {
        String t = text.trim();
        try {
            if (t.matches("-?\\d+(\\.\\d+)?")) {
                return new BigDecimal(t).movePointRight(9).setScale(0, RoundingMode.FLOOR).longValueExact();
            }
            OffsetDateTime time = OffsetDateTime.parse(t);
            return Math.addExact(Math.multiplyExact(time.toEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException e) {
            // Nanoseconds since the epoch end in 2262; a number this large is most often epoch milliseconds.
            throw new IllegalArgumentException("'" + text + "' is past 2262, the last time this takes (epoch "
                    + "seconds, not milliseconds)");
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
