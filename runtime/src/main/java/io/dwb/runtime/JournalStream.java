package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether standard error is systemd's journal: the units connect it there, and systemd says so in
 * {@value #VARIABLE} ({@code device:inode} of that stream), inherited by children whose standard error may be
 * elsewhere, hence the comparison. There, each line starts with its syslog priority ({@code <3>} an error, {@code
 * <4>} a warning, {@code <6>} information, {@code <7>} debug), which journald takes as the entry's priority and
 * strips: without it every line was at information, and {@code journalctl -p warning} or a syslog filter could not
 * pick the bridge's warnings and errors out.
 */
public final class JournalStream {
    static final String VARIABLE = "JOURNAL_STREAM";
    static final Path STANDARD_ERROR = Path.of("/proc/self/fd/2");

    private JournalStream() {}

    /** Whether {@code stream} (standard error, through /proc) is the one {@code environment}'s JOURNAL_STREAM names. */
    static boolean is(Map<String, String> environment, Path stream) {
        String named = environment.get(VARIABLE);
        if (named == null) {
            return false;
        }
        String[] parts = named.split(":");
        if (parts.length != 2) {
            return false;
        }
        try {
            return ((Number) Files.getAttribute(stream, "unix:dev")).longValue() == Long.parseLong(parts[0])
                    && ((Number) Files.getAttribute(stream, "unix:ino")).longValue() == Long.parseLong(parts[1]);
        } catch (IOException | RuntimeException e) {
            return false; // no /proc, no such attribute, not numbers: written as elsewhere
        }
    }

    /** The syslog priority prefix of a line at {@code level}. */
    static String prefix(Level level) {
        return switch (level.toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }

    /** {@code %syslogPriority}: the event's {@link #prefix}. */
    public static final class Priority extends ClassicConverter {
        static final String KEYWORD = "syslogPriority";

        @Override
        public String convert(ILoggingEvent event) {
            return prefix(event.getLevel());
        }
    }
}
