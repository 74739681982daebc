package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Leaves out the Kafka client's WARN at each reconnection to a broker that is down ({@code Connection to node … could
 * not be established}): about one a second for each client of each process, a fleet's logs flooded while one broker
 * was. The bridge says once that Kafka is unreachable. Its other warnings (a broker's advertised name that does not
 * resolve, an authentication cut short) are kept.
 */
final class ReconnectionWarnings extends TurboFilter {
    static final String LOGGER = "org.apache.kafka.clients.NetworkClient";
    private static final String TEXT = "could not be established";

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        return level == Level.WARN && format != null && logger.getName().equals(LOGGER) && format.contains(TEXT)
                ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
