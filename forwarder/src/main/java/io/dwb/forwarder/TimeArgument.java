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
        BigDecimal seconds;
        if (t.matches("-?\\d+(\\.\\d+)?")) {
            seconds = new BigDecimal(t);
        } else {
            try {
                OffsetDateTime time = OffsetDateTime.parse(t);
                seconds = BigDecimal.valueOf(time.toEpochSecond()).add(BigDecimal.valueOf(time.getNano(), 9));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + text
                        + "' is neither RFC 3339 (2026-11-27T03:00:00Z) nor epoch seconds (1795748400)");
            }
        }
        BigDecimal nanos = seconds.movePointRight(9).setScale(0, RoundingMode.FLOOR);
        // Nanoseconds since the epoch span 1677 to 2262 (before, a value outside wrapped silently to another time); a
        // number past the end is most often epoch milliseconds.
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is past 2262, the last time this takes (epoch seconds, "
                    + "not milliseconds)");
        }
        if (nanos.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
            throw new IllegalArgumentException("'" + text + "' is before 1677, the first time this takes");
        }
        return nanos.longValueExact();
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
