package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

/**
 * Leaves out the Kafka client's warnings that ask nothing of the person reading them (unless
 * {@link LogConfiguration#KAFKA_LEVEL_VARIABLE} is set); its other warnings (a broker's advertised name that does not
 * resolve, an authentication cut short) are kept.
 */
final class BenignKafkaWarnings extends TurboFilter {
    /** One warning left out: the logger that says it, and a part of its format. */
    enum Benign {
        /**
         * {@code Connection to node … could not be established}, at each reconnection to a broker that is down: about
         * one a second for each client of each process, a fleet's logs flooded while one broker was. The bridge says
         * once that Kafka is unreachable.
         */
        RECONNECTION("org.apache.kafka.clients.NetworkClient", "could not be established"),
        /**
         * {@code Bootstrap broker … disconnected}, the other line of each failed try of a client that knows its
         * bootstrap brokers only (a new one, or one that went back to them): with Kafka down, ~1.4 lines a second for
         * each such client, and the listener builds a new producer every 60 s at most through an outage. The bridge
         * says it once in its own words: the listener's {@code Kafka unavailable: …}, the forwarder's
         * {@code Kafka unreachable: …}, or at the start {@code cannot reach Kafka at …}.
         */
        BOOTSTRAP_DISCONNECTED("org.apache.kafka.clients.NetworkClient", "Bootstrap broker"),
        /**
         * {@code Not updating high watermark for partition … as it is no longer assigned} (and its last-stable-offset
         * twin): an offsets answer that came after the partition was let go, a race of the client's own. Kafka 4.2
         * says it at WARN at every listener start (its checkpoint lookup) and at rebalances; Kafka 4.4 says it at
         * DEBUG (KAFKA-20449).
         */
        PARTITION_LET_GO("org.apache.kafka.clients.consumer.internals.OffsetFetcherUtils", "Not updating"),
        /**
         * {@code Not authorized to read from partition …}, for each partition of each fetch while an ACL is missing: a
         * forwarder of 12 partitions said it 12 times at each poll it tries again (every 5 s). The forwarder says it
         * once, with the fix ({@code Kafka refuses the forwarder, not allowed to read the topic …}).
         */
        READ_REFUSED("org.apache.kafka.clients.consumer.internals.FetchCollector", "Not authorized to read from");

        private final String logger;
        private final String text;

        Benign(String logger, String text) {
            this.logger = logger;
            this.text = text;
        }

        boolean matches(String loggerName, String format) {
            return loggerName.equals(logger) && format.contains(text);
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (level != Level.WARN || format == null) {
            return FilterReply.NEUTRAL;
        }
        for (Benign b : Benign.values()) {
            if (b.matches(logger.getName(), format)) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }
}
