package io.dwb.runtime;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Durations written the way Wazuh's ossec.conf writes them ({@code 10m}, {@code 1h}, {@code 2d}, {@code 1w}), plus
 * {@code ms} for sub-second options. A bare number is seconds, as in ossec.conf, for every option of every process.
 */
public final class DurationArgument {
    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|h|d|w)?\\s*");

    private DurationArgument() {}

    /**
     * A bare number is seconds, as in ossec.conf.
     *
     * @throws IllegalArgumentException naming the value when it is not a duration
     */
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
            if (m.group(2) == null) {
                return Duration.ofSeconds(n);
            }
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(Math.multiplyExact(n, 7L));
                default -> throw new IllegalStateException(m.group(2));
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text.strip() + "' is too large a duration");
        }
    }

    /**
     * {@code d} as the options take it, in its largest whole unit ({@code 60s} is {@code 1m}, {@code 90s} stays
     * {@code 90s}): for messages, where Java's {@code PT1M} is no option's value.
     */
    public static String text(Duration d) {
        long ms;
        try {
            ms = d.toMillis();
        } catch (ArithmeticException e) {
            return d.getSeconds() + "s"; // beyond what milliseconds hold: a message's value, absurd but said
        }
        if (ms % 1000 != 0 || ms == 0) {
            return ms + (ms == 0 ? "s" : "ms");
        }
        long s = ms / 1000;
        long[] sizes = {7 * 86_400, 86_400, 3_600, 60};
        String[] units = {"w", "d", "h", "m"};
        for (int i = 0; i < sizes.length; i++) {
            if (s % sizes[i] == 0) {
                return s / sizes[i] + units[i];
            }
        }
        return s + "s";
    }

    /** picocli converter: {@code 150ms}, {@code 30s}, {@code 10m}...; a bare number is seconds. */
    public static final class Converter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parse(value);
        }
    }
}
