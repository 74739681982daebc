package io.dwb.listener;

import io.dwb.schemas.Checkpoint;
import io.dwb.schemas.StandIn;
import java.time.Duration;
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
 * The transactional producer: records are {@link #send sent} as they come, in a transaction begun by the first one,
 * and {@link #commit} ends it with the checkpoint that covers them, so a reader with read_committed sees both or
 * neither. Sending as they come lets the producer ship batches while the interval runs: the commit then waits only
 * for the tail and the transaction marker. A newer producer with the same transactional id fences this one
 * ({@link Fenced}); any other failure is {@link KafkaUnavailable} and the caller rebuilds the producer and resumes
 * from the committed checkpoint.
 */
public final class TransactionalPublisher implements AutoCloseable {
    /** The producer's {@code batch.size} unless the Kafka configuration file gives one. */
    public static final int BATCH_BYTES = 128 * 1024;

    private final KafkaProducer<byte[], byte[]> producer;
    private final TopicRecords records;
    /** Records in the open transaction; 0 when none is open. */
    private int sent;

    public TransactionalPublisher(Properties clientConfig, HostIdentity host, TopicRecords records) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, host.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        // 128 KiB instead of 16 KiB: one partition takes one batch per produce request, and at most five requests
        // are in flight, so 16 KiB batches cap a burst at a few hundred events per round trip (the capture bench
        // measured 11-15k events/s with 16 KiB, 19-28k with 128 KiB, nothing more with 512 KiB).
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(BATCH_BYTES));
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

    /**
     * The longest event value to publish as it is: what the producer can send (its {@code max.request.size},
     * Kafka's default 1 MiB or the user's, less room for the record's key, headers and batch framing), and never
     * more than the contract's {@link StandIn#MAX_VALUE_BYTES}, which the forwarder would dead-letter. Longer events
     * become stand-ins.
     */
    public static int maxEventBytes(Properties clientConfig) {
        String value = clientConfig.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576").trim();
        try {
            return Math.min(StandIn.MAX_VALUE_BYTES, Math.max(64 * 1024, Integer.parseInt(value) - 16 * 1024));
        } catch (NumberFormatException e) {
            throw new io.dwb.schemas.runtime.ConfigurationError("max.request.size in the Kafka configuration is not "
                    + "a number of bytes: " + value, e);
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

    /** Sends {@code record} in the open transaction, beginning one when none is open. */
    public void send(ProducerRecord<byte[], byte[]> record) {
        try {
            if (sent == 0) {
                producer.beginTransaction();
            }
            producer.send(record);
            sent++;
        } catch (KafkaException e) {
            throw failure(e);
        }
    }

    /** Records sent in the open transaction. */
    public int sent() {
        return sent;
    }

    /** Ends the open transaction: the checkpoint last when it is not null, then the commit. */
    public void commit(Checkpoint checkpoint) {
        if (checkpoint != null) {
            send(records.checkpoint(checkpoint));
        }
        if (sent == 0) {
            return;
        }
        try {
            producer.commitTransaction();
            sent = 0;
        } catch (KafkaException e) {
            throw failure(e);
        }
    }

    private RuntimeException failure(KafkaException e) {
        if (e instanceof ProducerFencedException || e instanceof InvalidProducerEpochException
                || e.getCause() instanceof ProducerFencedException
                || e.getCause() instanceof InvalidProducerEpochException) {
            return new Fenced(e);
        }
        return new KafkaUnavailable("Kafka transaction failed: " + e.getMessage(), e);
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
