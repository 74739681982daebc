package io.dwb.runtime;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the processes write their logs on standard error, chosen by {@value #VARIABLE}: {@code text} (one line a
 * message, for people and journald) or {@code json} (one JSON object a line, logback's {@code JsonEncoder}, for log
 * shippers). Read from the environment rather than an option because logging starts before the options are parsed.
 */
public enum LogFormat {
    TEXT("text"),
    JSON("json");

    public static final String VARIABLE = "DWB_LOG_FORMAT";

    private final String value;

    LogFormat(String value) {
        this.value = value;
    }

    public String value() {
        return value;
    }

    /** The format a value of {@value #VARIABLE} names; unset or blank is text. */
    public static LogFormat of(String value) {
        if (value == null || value.isBlank()) {
            return TEXT;
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        for (LogFormat f : values()) {
            if (f.value.equals(v)) {
                return f;
            }
        }
        throw new ConfigurationError(VARIABLE + " must be " + Arrays.stream(values()).map(LogFormat::value)
                .collect(Collectors.joining(" or ")) + ", not '" + value + "'");
    }

    /** As {@link #of}, but text for a value it does not know (the launcher reports that value and exits). */
    static LogFormat orText(String value) {
        try {
            return of(value);
        } catch (ConfigurationError e) {
            return TEXT;
        }
    }
}
