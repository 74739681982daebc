package io.dwb.listener;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.Producer;

/**
 * The transactional producers of one host, one per attempt at Kafka: the first can be built ahead, while the main
 * thread waits for the topics' check (tens of milliseconds of a restart). Building one sends no request; its
 * {@code initTransactions}, which fences an older producer of the host, still comes after the check. Not
 * thread-safe.
 */
final class ProducerSource implements AutoCloseable {
    private final Properties clientConfig;
    private final HostIdentity host;
    private Producer<byte[], byte[]> ready;

    ProducerSource(Properties clientConfig, HostIdentity host) {
        this.clientConfig = clientConfig;
        this.host = host;
    }

    /** Builds the next producer now. */
    void prepare() {
        if (ready == null) {
            ready = TransactionalPublisher.producer(clientConfig, host);
        }
    }

    /** The producer built ahead, else a new one; the caller closes it. */
    Producer<byte[], byte[]> take() {
        Producer<byte[], byte[]> producer = ready != null ? ready : TransactionalPublisher.producer(clientConfig, host);
        ready = null;
        return producer;
    }

    /** Closes a producer built ahead and never taken. */
    @Override
    public void close() {
        if (ready != null) {
            ready.close(Duration.ZERO);
            ready = null;
        }
    }
}
