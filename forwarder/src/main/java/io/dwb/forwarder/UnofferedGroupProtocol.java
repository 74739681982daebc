package io.dwb.forwarder;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * {@code group.protocol=consumer} (KIP-848) in {@code --kafka-config} on brokers that do not offer it: before Kafka
 * 4.0, or with {@code group.coordinator.rebalance.protocols} without {@code consumer}. They answer the consumer's
 * first heartbeat with UNSUPPORTED_VERSION; Kafka's consumer takes it as fatal (its member never joins) and its poll
 * throws {@link UnsupportedVersionException}. The forwarder exited 1 on it, before reading a record, and its
 * supervisor restarted it into the same failure for ever. No restart mends it: a {@link ConfigurationError} (exit 2,
 * which the units do not restart) saying what to change. Told by the exception's type under this protocol only: the
 * classic protocol's failures are left as they were.
 */
final class UnofferedGroupProtocol {
    private UnofferedGroupProtocol() {}

    /**
     * The group protocol Kafka's consumer uses with {@code properties}: classic unless {@code group.protocol} says
     * otherwise (read as Kafka reads it: trimmed, any case; a value Kafka refuses is its ConfigException, at start).
     */
    static GroupProtocol configured(Properties properties) {
        Object value = properties.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        if (value == null) {
            return GroupProtocol.CLASSIC;
        }
        try {
            return GroupProtocol.valueOf(value.toString().strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return GroupProtocol.CLASSIC; // the consumer refuses it as it is built: never polled
        }
    }

    /** Whether a delivery consumer of {@code settings} joins its group by the consumer protocol (a replay joins none). */
    static boolean joinsByConsumerProtocol(ForwarderSettings settings) {
        return !settings.replay() && configured(settings.kafka()) == GroupProtocol.CONSUMER;
    }

    /**
     * What to say of {@code refused}, the delivery consumer's failure under the consumer protocol.
     *
     * @param kafkaConfig the {@code --kafka-config} file, where {@code group.protocol} was set (null: none)
     */
    static ConfigurationError error(Path kafkaConfig, UnsupportedVersionException refused) {
        return new ConfigurationError("the brokers do not offer group.protocol=consumer (KIP-848: Kafka 4.0 or later, "
                + "with consumer in group.coordinator.rebalance.protocols): remove group.protocol from "
                + (kafkaConfig == null ? "--kafka-config" : kafkaConfig) + ", or enable the protocol on the brokers",
                refused);
    }
}
