package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's transactional producers, one for each try of Kafka: the first built ahead, while the start checks the
 * topics ({@link BuiltAhead}), each from the Kafka client settings as they are when it is built ({@link
 * KafkaClientSettings}: the {@code --kafka-config} file read again when it changed), asking for the transaction
 * timeout the brokers last left the listener ({@link TransactionTimeout}). Changed settings Kafka's client refuses to
 * build a producer from leave the producer to those in use, which built one before: a file edited wrongly while the
 * listener runs is said, never an exit. Not thread-safe: the publishing thread takes them.
 */
final class TransactionalProducers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalProducers.class);

    private final KafkaClientSettings settings;
    private final HostIdentity host;
    private final TransactionalPublisher.ProducerSource source;
    private final CommitTiming commitTiming;
    private final BuiltAhead<Built> ahead;
    /** What the listener asks for when the file sets none: Kafka's default, stepped down by the brokers' refusals. */
    private long listenersMillis = TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS;
    /** The least of the listener's timeouts the brokers refused since it last said which one it uses; 0 when none. */
    private long refusedMillis;
    /** The producer taken last: the one a refusal is about. */
    private Built last;

    /**
     * A producer, the {@code transaction.timeout.ms} it asks for (which its publisher tells timeouts by), and the
     * least that its transactions need.
     */
    record Built(Producer<byte[], byte[]> producer, TransactionTimeout timeout, TransactionTimeout.Floor floor) {}

    /** What the capture loop does about a transaction timeout the brokers refused. */
    enum TimeoutRefusal {
        /** The next producer asks for less, at once. */
        LOWERED,
        /** Nothing to lower, and this process never held its transactional id: the user's to change, exit 2. */
        CONFIGURATION_ERROR,
        /** Nothing to lower, once the transactional id was held: an outage, retried with backoff, said at ERROR. */
        RETRIED
    }

    /** @param message what to say (the error's line, or the ERROR's); null for {@link TimeoutRefusal#LOWERED} */
    record Refused(TimeoutRefusal outcome, String message) {}

    /**
     * @param source              builds a producer from properties ({@link TransactionalPublisher#producer}; a
     *                            test's fake)
     * @param commitTiming        {@code --transaction-interval} and {@code --transaction-linger}: part of what a
     *                            transaction needs
     */
    TransactionalProducers(KafkaClientSettings settings, HostIdentity host,
                           TransactionalPublisher.ProducerSource source, CommitTiming commitTiming) {
        this.settings = settings;
        this.host = host;
        this.source = source;
        this.commitTiming = commitTiming;
        this.ahead = new BuiltAhead<>(this::build, built -> built.producer().close(Duration.ZERO));
    }

    /** Builds the next producer now (it sends no request until its {@code initTransactions}). */
    void prepare() {
        ahead.prepare();
    }

    /** The producer built ahead, else a new one; the caller closes it. */
    Built take() {
        last = ahead.take();
        return last;
    }

    /**
     * The brokers refused the transaction timeout of the producer taken last ({@code refusal}, their words). The
     * listener's own is stepped down for the next producer; a user's value, or the listener's at its floor, is an
     * error at start, and once this process held its transactional id (the brokers' maximum lowered under a running
     * listener) a failure retried until the brokers or the file change: never an exit then, which no unit restarts.
     */
    Refused timeoutRefused(String refusal, boolean transactionalIdTaken) {
        Optional<TransactionTimeout> lower = last.timeout().lowered(last.floor());
        if (lower.isPresent()) {
            refusedMillis = last.timeout().millis();
            listenersMillis = lower.get().millis();
            log.debug("{}: the next producer asks for {} ms", refusal, listenersMillis);
            return new Refused(TimeoutRefusal.LOWERED, null);
        }
        boolean users = last.timeout().origin() == TransactionTimeout.Origin.USERS;
        String fix = users ? "set a smaller transaction.timeout.ms in the Kafka client configuration (--kafka-config"
                + (transactionalIdTaken ? ", read again before each producer" : "") + "), or raise the brokers' "
                + "transaction.max.timeout.ms (15 minutes by default)"
                : "raise the brokers' transaction.max.timeout.ms to at least " + last.floor().millis() + " ms, the "
                + "least one of this listener's transactions needs (" + last.floor().words() + "; stepped down from "
                + "Kafka's producer default " + TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS + " ms, which "
                + "it asks for when its Kafka client configuration sets no transaction.timeout.ms), or give it a "
                + "shorter --kafka-timeout";
        if (!transactionalIdTaken) {
            return new Refused(TimeoutRefusal.CONFIGURATION_ERROR, refusal + ": " + fix);
        }
        return new Refused(TimeoutRefusal.RETRIED, refusal + ", lowered since this listener took its transactional "
                + "id: nothing is published until they take one, tried again with backoff, what was read held "
                + "meanwhile; " + fix);
    }

    /**
     * The producer taken last took the transactional id: when it asks for a timeout the listener stepped down, one
     * WARN says which, and where the brokers' maximum is (their refusal does not say it; reading it would take
     * DescribeConfigs on the cluster, which a listener's principal need not have).
     */
    void initialized() {
        TransactionTimeout timeout = last.timeout();
        if (timeout.origin() == TransactionTimeout.Origin.LISTENERS && refusedMillis > timeout.millis()) {
            log.warn("the brokers refused transaction.timeout.ms={} ms (their transaction.max.timeout.ms is below it, "
                    + "and at least {} ms): this listener's transactions ask for {} ms, stepped down from Kafka's "
                    + "producer default {} ms, which it asks for when its Kafka client configuration sets no "
                    + "transaction.timeout.ms; the least they need is {} ms ({})", refusedMillis, timeout.millis(),
                    timeout.millis(), TransactionalPublisher.DEFAULT_TRANSACTION_TIMEOUT_MS, last.floor().millis(),
                    last.floor().words());
            refusedMillis = 0;
        }
    }

    private Built build() {
        Properties next = settings.forNextProducer();
        if (next == settings.inUse()) {
            return build(next);
        }
        RuntimeException refusal;
        try {
            Built built = build(next);
            settings.built(next);
            return built;
        } catch (ConfigurationError | TransactionalPublisher.KafkaUnavailable e) {
            refusal = e;
        }
        // Said only once the settings in use built one: a Kafka whose names do not resolve refuses both, the file
        // being no cause of it (bootstrap.servers is taken at start only).
        Built kept = build(settings.inUse());
        settings.refused(next, refusal.getMessage() + TransactionalPublisher.rootCause(refusal));
        return kept;
    }

    private Built build(Properties properties) {
        TransactionTimeout timeout = TransactionTimeout.of(properties, listenersMillis);
        return new Built(source.producer(timeout.applyTo(properties), host), timeout,
                TransactionTimeout.Floor.of(properties, commitTiming));
    }

    /** Closes a producer built ahead and never taken. */
    @Override
    public void close() {
        ahead.close();
    }
}
