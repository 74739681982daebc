package io.dwb.schemas.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * What some loggers logged during a test: many tests assert on the lines an operator would read, and each attached
 * and detached a logback appender of its own. Registered as an extension
 * ({@code @RegisterExtension final LogLines logged = LogLines.of(Some.class)}) it listens through each test;
 * within one test, {@code try (LogLines logged = LogLines.of(Some.class).attach())} listens for that block only.
 */
public final class LogLines implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
    private final List<Logger> loggers;
    /** The level the loggers are set to while listening, null to leave theirs. */
    private final Level level;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    /** Each logger's own level, put back when the listening ends. */
    private final List<Level> levelsBefore = new ArrayList<>();

    private LogLines(List<Logger> loggers, Level level) {
        this.loggers = loggers;
        this.level = level;
    }

    /** The lines of the loggers named after these classes. */
    public static LogLines of(Class<?> source, Class<?>... more) {
        return new LogLines(Stream.concat(Stream.of(source), Arrays.stream(more))
                .map(c -> (Logger) LoggerFactory.getLogger(c)).toList(), null);
    }

    /** The lines of the logger of this name (a package's catches its classes'; {@code Logger.ROOT_LOGGER_NAME}). */
    public static LogLines of(String loggerName) {
        return new LogLines(List.of((Logger) LoggerFactory.getLogger(loggerName)), null);
    }

    /** The same loggers, set to {@code level} while listening (to see lines below their own level). */
    public LogLines atLevel(Level level) {
        return new LogLines(loggers, level);
    }

    /** Starts listening, afresh: nothing heard before is kept. */
    public LogLines attach() {
        if (!levelsBefore.isEmpty()) { // a second attach would add the appender twice and lose the levels to restore
            throw new IllegalStateException("already listening");
        }
        clear();
        appender.start();
        for (Logger logger : loggers) {
            logger.addAppender(appender);
            levelsBefore.add(logger.getLevel());
            if (level != null) {
                logger.setLevel(level);
            }
        }
        return this;
    }

    /** Stops listening; what was heard stays readable. */
    @Override
    public void close() {
        for (int i = 0; i < levelsBefore.size(); i++) {
            Logger logger = loggers.get(i);
            logger.detachAppender(appender);
            if (level != null) {
                logger.setLevel(levelsBefore.get(i));
            }
        }
        levelsBefore.clear();
        appender.stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        attach();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    /** The events so far, in order: a copy, safe to read while other threads still log. */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // the lock appender.doAppend holds while it adds
            return List.copyOf(appender.list);
        }
    }

    /** Forgets the events so far. */
    public void clear() {
        synchronized (appender) {
            appender.list.clear();
        }
    }

    /** The messages so far, formatted. */
    public List<String> messages() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The messages so far that contain {@code text}, at any level. */
    public List<String> messages(String text) {
        return messages().stream().filter(m -> m.contains(text)).toList();
    }

    /** The messages so far logged at exactly {@code level}. */
    public List<String> messages(Level level) {
        return events().stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The messages so far logged at exactly {@code level} that contain {@code text}. */
    public List<String> messages(Level level, String text) {
        return messages(level).stream().filter(m -> m.contains(text)).toList();
    }

    /** Each event so far as {@code LEVEL message}, to assert on level and text at once. */
    public List<String> lines() {
        return events().stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }
}
