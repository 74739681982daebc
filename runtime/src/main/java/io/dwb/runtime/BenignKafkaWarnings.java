package io.dwb.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Marker;

/**
 * Leaves out the Kafka client's warnings that ask nothing of the person reading them (unless
 * {@link LogConfiguration#KAFKA_LEVEL_VARIABLE} is set); its other warnings (an authentication cut short) are kept,
 * and those said at each try (a broker's advertised name that does not resolve, an ACL refused) once in a while, a
 * connection's without its stack trace.
 */
final class BenignKafkaWarnings extends TurboFilter {
    private static final String KAFKA_CLIENTS = "org.apache.kafka.clients";
    private static final String NETWORK_CLIENT = KAFKA_CLIENTS + ".NetworkClient";
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

    /**
     * {@code Error connecting to node …}, with a stack trace of some 25 lines, at each try to a broker whose name
     * does not resolve (a Compose broker stopped: Docker's DNS forgets it) or whose network is unreachable: 2-3
     * traces a second from one forwarder through such an outage. Said once a node every {@link #REPEAT_AFTER}, its
     * cause in one line, no trace: a broker's advertised name that does not resolve is still said.
     */
    private static final String CONNECT_ERROR = "Error connecting to node";
    static final Duration REPEAT_AFTER = Duration.ofMinutes(10);
    /** The nodes and lines said, at most this many (a cluster's brokers, a client's refusals): forgotten when full. */
    private static final int MAX_NODES = 1024;
    /** How much of a line tells it from another (a topic list may be long): the memory the filter keeps is bounded. */
    private static final int MAX_KEY = 1024;

    private final LongSupplier nanoClock;
    private final Map<String, Long> connectErrorSaid = new HashMap<>();

    BenignKafkaWarnings() {
        this(System::nanoTime);
    }

    /** @param nanoClock monotonic nanoseconds: when a node's connection error was said */
    BenignKafkaWarnings(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * The Kafka client's ERRORs said again at each try while an ACL is missing, which the bridge says once itself
     * with the fix ({@code Kafka refuses the forwarder, …}, the listener's {@code not authorized …}): each is said
     * once every {@link #REPEAT_AFTER}, the first as Kafka says it. Every 5 s before (the forwarder's next poll), 720
     * ERROR lines an hour a forwarder, and a listener's at each metadata answer: an alert on ERROR lines fired for
     * the whole fleet.
     */
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    enum Repeated {
        /** {@code JoinGroup failed due to fatal error: …}: Read on the group revoked, at each poll. */
        JOIN_REFUSED("JoinGroup failed due to fatal error", true),
        /** {@code … failed due to group authorization failure: …}: the same, a member of the consumer protocol. */
        GROUP_REFUSED("failed due to group authorization failure", true),
        /** {@code Topic authorization failed for topics [...]}: Describe on a topic revoked, at each answer. */
        TOPIC_REFUSED("Topic authorization failed for topics", true),
        /**
         * {@code Offset commit failed on partition P at offset O: …}: Read on the group revoked while polls go on,
         * at each commit (once a second); its offset moves, so it is one whatever its words after.
         */
        COMMIT_FAILED("Offset commit failed on partition", false),
        /** {@code Not authorized to commit to topics [...]}: Read on the topic revoked, at each commit. */
        COMMIT_REFUSED("Not authorized to commit to topics", false),
        /** The same, in the words of the consumer protocol's client. */
        COMMIT_REFUSED_ASYNC("not authorized to commit to topics", false),
        /** An admin client's {@code Received authorization failure for topic …}: twice a second a watch. */
        LEADER_REFUSED("Received authorization failure for topic", false),
        /** {@code Connection to node N (…) failed authentication due to: …}: a login revoked, at each reconnect. */
        LOGIN_REFUSED("failed authentication due to", false);

        private final String text;
        /** Told apart by all its words (topics, reason), else by all but their numbers (an offset moves each try). */
        private final boolean byWords;

        Repeated(String text, boolean byWords) {
            this.text = text;
            this.byWords = byWords;
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (format == null || !level.isGreaterOrEqual(Level.WARN) || !logger.getName().startsWith(KAFKA_CLIENTS)) {
            return FilterReply.NEUTRAL;
        }
        for (Repeated r : Repeated.values()) {
            if (format.contains(r.text)) {
                // By its words, Kafka's client prefix and topics included: one client's refusal (the events topic's)
                // does not hide another's (the dead-letter topic's, or the other stage's in the standalone).
                String all = format + " " + Arrays.toString(params);
                String words = logger.getName() + " " + (r.byWords ? all : DIGITS.matcher(all).replaceAll("#"));
                return firstIn(words.substring(0, Math.min(words.length(), MAX_KEY))) ? FilterReply.NEUTRAL
                        : FilterReply.DENY;
            }
        }
        if (level != Level.WARN) {
            return FilterReply.NEUTRAL;
        }
        int connectError = format.indexOf(CONNECT_ERROR);
        if (connectError >= 0 && logger.getName().equals(NETWORK_CLIENT)) {
            // Kafka's logger (LogContext's) formats the message itself, its client's prefix included, and passes the
            // exception apart; a plain SLF4J call passes the node and the exception as arguments.
            Throwable cause = Causes.ofLogCall(t, params);
            if (cause != null) {
                String node = params != null && params.length == 2 ? String.valueOf(params[0])
                        : format.substring(connectError + CONNECT_ERROR.length()).strip();
                if (firstIn(node)) {
                    logger.warn("{}cannot connect to node {} ({}): said again in {} minutes if it goes on, without "
                            + "its stack trace (DWB_KAFKA_LOG_LEVEL=WARN says each)",
                            format.substring(0, connectError), node, cause.toString(), REPEAT_AFTER.toMinutes());
                }
                return FilterReply.DENY;
            }
        }
        for (Benign b : Benign.values()) {
            if (b.matches(logger.getName(), format)) {
                return FilterReply.DENY;
            }
        }
        return FilterReply.NEUTRAL;
    }

    /** Whether {@code node}'s (or a line's) was not said within {@link #REPEAT_AFTER}: it is said now. */
    private boolean firstIn(String node) {
        long now = nanoClock.getAsLong();
        synchronized (connectErrorSaid) {
            Long said = connectErrorSaid.get(node);
            if (said != null && now - said < REPEAT_AFTER.toNanos()) {
                return false;
            }
            if (connectErrorSaid.size() >= MAX_NODES) {
                connectErrorSaid.clear();
            }
            connectErrorSaid.put(node, now);
            return true;
        }
    }
}
