package io.dwb.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.dwb.runtime.LogConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker logs through the same Logback as the bridge, under logger names the shared LogConfiguration does
 * not quiet ({@code kafka.*}, {@code state.change.logger}): set them to WARN (or DWB_KAFKA_LOG_LEVEL) so a person
 * running the standalone sees the bridge's state changes, not the broker's start-up chatter.
 */
final class BrokerLogging {
    private static final String[] BROKER_LOGGERS = {"kafka", "state.change.logger", "org.apache.kafka"};

    private BrokerLogging() {}

    /**
     * WARNs the broker logs on every healthy start and stop (controller activation; its internal channel closed
     * twice at shutdown): they would teach people to ignore warnings.
     */
    private static final String[] ROUTINE_WARNINGS = {"org.apache.kafka.controller.QuorumController",
        "org.apache.kafka.clients.NetworkClient",
        // A WARN and a stack trace of some 15 lines for each connection that sends no request of a SASL client
        // ("Unexpected error from …; closing connection"): anyone who reaches the port (any local user) flooded the
        // unit's journal, which then drops the bridge's own lines, or the wodle's log file. The connection is closed
        // all the same. The bridge's own clients share the logger: their errors from it are said as ERROR still.
        "org.apache.kafka.common.network.Selector"};

    static void quiet() {
        String configured = System.getenv(LogConfiguration.KAFKA_LEVEL_VARIABLE);
        Level level = Level.toLevel(configured, Level.WARN);
        for (String name : BROKER_LOGGERS) {
            Logger logger = LoggerFactory.getLogger(name);
            if (logger instanceof ch.qos.logback.classic.Logger logback) {
                logback.setLevel(level);
            }
        }
        if (configured == null) {
            for (String name : ROUTINE_WARNINGS) {
                if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logback) {
                    logback.setLevel(Level.ERROR);
                }
            }
            // Once a process: a start after a stop (the tests', a reopened data dir) adds no second one.
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context && context.getTurboFilterList()
                    .stream().noneMatch(ControllerNotReadyErrors.class::isInstance)) {
                ControllerNotReadyErrors filter = new ControllerNotReadyErrors();
                filter.setContext(context);
                filter.start();
                context.addTurboFilter(filter);
            }
        }
    }
}
