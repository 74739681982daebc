package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The transactional producer: each {@link #commit} is one Kafka transaction holding a batch of records and the
 * checkpoint that covers them, so a reader with read_committed sees both or neither. A newer producer with the same
 * transactional id fences this one ({@link Fenced}); any other failure is {@link KafkaUnavailable} and the caller
 * rebuilds the producer and resumes from the committed checkpoint.
 */
public final class TransactionalPublisher implements AutoCloseable {
    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicRecords records;

    public TransactionalPublisher(Properties clientConfig, HostIdentity host, TopicRecords records) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, host.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        // 8 MB instead of Kafka's 32 MB: a full transaction (5,000 events) is about 3 MB, and the listener runs in a
        // small heap on every host. A user's Kafka configuration file still wins.
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, "8388608");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.records = records;
        try {
            producer = new KafkaProducer<>(p);
        } catch (KafkaException e) {
            throw new io.dwb.schemas.runtime.ConfigurationError("bad Kafka producer configuration: " + e.getMessage(),
                    e);
        }
    }

    /** Fences any older producer of this host and completes its open transaction (commit or abort). */
    public void init() {
        try {
            producer.initTransactions();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new Fenced(e);
        } catch (TransactionalIdAuthorizationException e) {
            throw new io.dwb.schemas.runtime.ConfigurationError("not authorized to use transactional id: "
                    + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new KafkaUnavailable("cannot start a Kafka transaction: " + e.getMessage(), e);
        }
    }

    /** One transaction: {@code batch}, then the checkpoint when it is not null. */
    public void commit(List<ProducerRecord<byte[], byte[]>> batch, Checkpoint checkpoint) {
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> record : batch) {
                producer.send(record);
            }
            if (checkpoint != null) {
                producer.send(records.checkpoint(checkpoint));
            }
            producer.commitTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new Fenced(e);
        } catch (KafkaException e) {
            if (e.getCause() instanceof ProducerFencedException || e.getCause() instanceof InvalidProducerEpochException) {
                throw new Fenced(e);
            }
            throw new KafkaUnavailable("Kafka transaction failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            producer.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // a broken producer: the next one's initTransactions aborts whatever it left open
        }
    }

    /** Another listener of this host took over the transactional id. */
    public static final class Fenced extends RuntimeException {
        Fenced(Throwable cause) {
            super("fenced: another listener for this Docker engine took over its transactional id", cause);
        }
    }

    /** Kafka did not take the transaction; nothing of it is visible to read_committed readers. */
    public static final class KafkaUnavailable extends RuntimeException {
        KafkaUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
