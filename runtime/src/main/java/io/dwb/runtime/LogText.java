package io.dwb.runtime;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Text that others chose, made fit for a log line. Messages quote container commands, label keys, record headers
 * and parser messages: a newline in one made a line of its own that anyone who may run a container or write a
 * record could forge, and a megabyte-long Action made a megabyte-long line. As a Logback converter ({@code
 * %escapedMsg}, the text format's message) it escapes control characters in every message.
 */
public final class LogText extends ClassicConverter {
    /** The pattern keyword of the escaped message. */
    static final String KEYWORD = "escapedMsg";

    @Override
    public String convert(ILoggingEvent event) {
        return escaped(event.getFormattedMessage());
    }

    /**
     * {@code text} with control characters (C0 but the tab, DEL, C1, line and paragraph separators) and format
     * characters (bidirectional overrides and isolates, zero-width ones, the byte-order mark, tag characters: they
     * reorder or hide what a terminal or viewer shows, U+202E turning a quoted name around) as Java escapes: a newline
     * as backslash-n, a carriage return as backslash-r, others as backslash-u and four hexadecimal digits for each
     * UTF-16 unit (U+E0041, a tag character, as two). The zero-width joiner of an emoji sequence shows escaped too.
     */
    public static String escaped(String text) {
        if (text == null) {
            return null;
        }
        int first = 0;
        while (first < text.length() && !shown(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text; // the common case: no copy
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); ) {
            int c = text.codePointAt(i);
            int n = Character.charCount(c);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (control(c) || Character.getType(c) == Character.FORMAT) {
                        for (int k = i; k < i + n; k++) {
                            out.append(String.format("\\u%04x", (int) text.charAt(k)));
                        }
                    } else {
                        out.append(text, i, i + n);
                    }
                }
            }
            i += n;
        }
        return out.toString();
    }

    /** At most {@code max} characters of {@code text}, saying how long it was when cut. */
    public static String bounded(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "... (" + text.length()
                + " characters)";
    }

    /** Whether {@code c} may need escaping: a control or format character, or half of a pair (a tag character). */
    private static boolean shown(char c) {
        return control(c) || Character.getType(c) == Character.FORMAT || Character.isSurrogate(c);
    }

    private static boolean control(int c) {
        return (c < 0x20 && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
