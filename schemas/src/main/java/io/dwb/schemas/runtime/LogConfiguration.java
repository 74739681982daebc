package io.dwb.schemas.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Every process's logging, configured in code (found by Logback through META-INF/services) rather than by a
 * logback.xml: reading XML loads Logback's configuration framework and the JDK's XML parser, about 600 classes, a
 * tenth of what a listener loads (metaspace and start time; docs/benchmarks.md, footprint). One line per message
 * on standard error (standard output may carry alerts: the forwarder with {@code --wazuh-queue -});
 * {@code DWB_LOG_LEVEL} (default INFO) and {@code DWB_KAFKA_LOG_LEVEL} (default WARN) set the levels.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level [%thread] %logger{0} - %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level("DWB_LOG_LEVEL", Level.INFO));
        root.addAppender(stderr);
        // Libraries say a lot at INFO that a person running the bridge does not need.
        context.getLogger("org.apache.kafka").setLevel(level("DWB_KAFKA_LOG_LEVEL", Level.WARN));
        context.getLogger("com.github.dockerjava").setLevel(Level.WARN);
        context.getLogger("org.apache.hc").setLevel(Level.WARN);
        context.getLogger("org.testcontainers").setLevel(Level.INFO);
        context.getLogger("tc").setLevel(Level.WARN);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static Level level(String variable, Level fallback) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? fallback : Level.toLevel(value.trim(), fallback);
    }
}
