package io.dwb.listener;

import io.dwb.runtime.ConfigurationError;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.Producer;

/**
 * The host's transactional producers, one for each try of Kafka: the first built ahead, while the start checks the
 * topics ({@link BuiltAhead}), each from the Kafka client settings as they are when it is built ({@link
 * KafkaClientSettings}: the {@code --kafka-config} file read again when it changed). Changed settings Kafka's client
 * refuses to build a producer from leave the producer to those in use, which built one before: a file edited wrongly
 * while the listener runs is said, never an exit. Not thread-safe: the publishing thread takes them.
 */
final class TransactionalProducers implements AutoCloseable {
    private final KafkaClientSettings settings;
    private final HostIdentity host;
    private final TransactionalPublisher.ProducerSource source;
    private final BuiltAhead<Built> ahead;

    /** A producer and the {@code transaction.timeout.ms} it asks for, which its publisher tells timeouts by. */
    record Built(Producer<byte[], byte[]> producer, long transactionTimeoutMs) {}

    /** @param source builds a producer from properties ({@link TransactionalPublisher#producer}; a test's fake) */
    TransactionalProducers(KafkaClientSettings settings, HostIdentity host,
                           TransactionalPublisher.ProducerSource source) {
        this.settings = settings;
        this.host = host;
        this.source = source;
        this.ahead = new BuiltAhead<>(this::build, built -> built.producer().close(Duration.ZERO));
    }

    /** Builds the next producer now (it sends no request until its {@code initTransactions}). */
    void prepare() {
        ahead.prepare();
    }

    /** The producer built ahead, else a new one; the caller closes it. */
    Built take() {
        return ahead.take();
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
        long transactionTimeoutMs = TransactionalPublisher.transactionTimeoutMs(properties);
        return new Built(source.producer(properties, host), transactionTimeoutMs);
    }

    /** Closes a producer built ahead and never taken. */
    @Override
    public void close() {
        ahead.close();
    }
}
