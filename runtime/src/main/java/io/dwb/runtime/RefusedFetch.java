package io.dwb.runtime;

import java.util.Optional;
import org.apache.kafka.common.KafkaException;

/**
 * Kafka's consumer refusing records it fetched: a batch whose CRC does not match (the partition leader's copy damaged
 * on its disk: brokers check a batch as it is written, not as it is served), or a record that does not parse. It says
 * so at every poll from that batch on, as a plain KafkaException ("Received exception when fetching the next record
 * from ... seek past the record to continue") whose cause is another, naming the batch's offset and why. No subclass
 * tells it apart, so it is told by that shape.
 */
public final class RefusedFetch {
    private RefusedFetch() {}

    /** Kafka's reason when {@code e}, thrown by a poll, is such a refusal. */
    public static Optional<String> reason(RuntimeException e) {
        if (e.getClass() == KafkaException.class && e.getCause() instanceof KafkaException cause) {
            return Optional.of(String.valueOf(cause.getMessage()));
        }
        return Optional.empty();
    }
}
