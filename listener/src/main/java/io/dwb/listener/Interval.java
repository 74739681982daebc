package io.dwb.listener;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations the way Wazuh's ossec.conf writes them ({@code 10m}, {@code 1h}, {@code 2d}, {@code 1w}, a bare
 * number = seconds), plus {@code ms} for the listener's own sub-second options.
 */
public final class Interval {
    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d|w)?\\s*");

    private Interval() {}

    /** @throws IllegalArgumentException naming the value when it is not a duration */
    public static Duration parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("missing duration");
        }
        Matcher m = FORMAT.matcher(text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text.strip()
                    + "' is not a duration (a number with an optional suffix ms, s, m, h, d or w)");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.strip() + "' is too large a duration");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(Math.multiplyExact(n, 7L));
            default -> throw new IllegalStateException(unit);
        };
    }

    /** picocli converter, so options take {@code 150ms}, {@code 30s}, {@code 10m}... */
    public static final class Converter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse(value);
        }
    }
}
