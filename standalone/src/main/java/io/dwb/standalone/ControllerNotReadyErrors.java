package io.dwb.standalone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.dwb.runtime.Causes;
import org.apache.kafka.common.errors.NotControllerException;
import org.slf4j.Marker;

/**
 * Leaves out the embedded controller's ERROR for a request that reached it before it was active ({@code Unexpected
 * error handling request …}, a {@link NotControllerException}: "The active controller appears to be node 1", and a
 * stack trace of a dozen lines): about one start in five, on a healthy start, as the bridge's clients made its topics.
 * The client is answered NOT_CONTROLLER and tries again, and the start goes on; the line taught people to ignore
 * errors. Any other error of the controller's is said.
 */
final class ControllerNotReadyErrors extends TurboFilter {
    static final String LOGGER = "kafka.server.ControllerApis";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (level != Level.ERROR || !LOGGER.equals(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        Throwable thrown = Causes.ofLogCall(t, params);
        return thrown != null && Causes.find(thrown, NotControllerException.class::isInstance) != null
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
