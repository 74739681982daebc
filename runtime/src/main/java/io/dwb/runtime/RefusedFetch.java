package io.dwb.runtime;

import java.util.Optional;
import org.apache.kafka.common.KafkaException;

/**
 * Kafka's consumer refusing records it fetched: a batch whose CRC does not match (the partition leader's copy damaged
 * on its disk: brokers check a batch as it is written, not as it is served), or a record that does not parse. It says
 * so at every poll from that batch on, as a plain KafkaException ("Received exception when fetching the next record
 * from ... seek past the record to continue") whose cause is another, naming the batch's offset and why. No subclass
 * tells it apart, so it is told by that shape.
 *
 * <p>A codec whose native library cannot load comes in the same shape (zstd's {@code ExceptionInInitializerError} or
 * {@code NoClassDefFoundError}, wrapped in a KafkaException by Kafka's decompression, then by the fetch's): the records
 * are whole, the JVM cannot decompress them, and would not a record of any other batch so compressed. An Error among
 * the causes is therefore not a refusal: passed over as unreadable, a broken codec would have cost every batch it
 * compresses (the listener tells it as a configuration error, {@code NativeCodecFailure}).
 */
public final class RefusedFetch {
    private RefusedFetch() {}

    /** Kafka's reason when {@code e}, thrown by a poll, is such a refusal. */
    public static Optional<String> reason(RuntimeException e) {
        if (e.getClass() == KafkaException.class && e.getCause() instanceof KafkaException cause
                && Causes.find(cause, t -> t instanceof Error) == null) {
            return Optional.of(String.valueOf(cause.getMessage()));
        }
        return Optional.empty();
    }
}
