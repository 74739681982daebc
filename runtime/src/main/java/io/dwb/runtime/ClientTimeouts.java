package io.dwb.runtime;

import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The timeouts the bridge gives its Kafka clients where the user's client properties give none, kept within what
 * Kafka requires of them together: an admin client refuses to start with {@code default.api.timeout.ms} below
 * {@code request.timeout.ms}, a producer with {@code delivery.timeout.ms} below {@code linger.ms +
 * request.timeout.ms}. A user's {@code request.timeout.ms} (Azure Event Hubs recommends 60000) is kept, and what is
 * derived from it raised to it; without one, the request timeout is lowered to fit the bridge's shorter calls.
 */
public final class ClientTimeouts {
    private ClientTimeouts() {}

    /**
     * An admin client's properties whose calls give up after {@code timeout}, unless the client configuration says
     * otherwise: with its own {@code request.timeout.ms}, the calls' {@code default.api.timeout.ms} is at least that
     * (the caller's wait for an answer may still end sooner).
     */
    public static Properties admin(Properties clientConfig, Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientConfig);
        long asked = timeout.toMillis();
        String request = AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG;
        String calls = AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG;
        if (p.containsKey(request)) {
            p.putIfAbsent(calls, String.valueOf(Math.max(asked, millis(p, request))));
        } else {
            p.putIfAbsent(calls, String.valueOf(asked));
            // One request within one call, and never longer than Kafka's own default: a short call (the forwarder's
            // 2 s reading of open transactions) gives up on a broker that does not answer, and is asked again.
            long kafkaDefault = ((Number) AdminClientConfig.configDef().defaultValues().get(request)).longValue();
            p.setProperty(request, String.valueOf(Math.min(Math.min(asked, kafkaDefault), millis(p, calls))));
        }
        return p;
    }

    /**
     * Sets a producer's {@code delivery.timeout.ms} to {@code wanted} unless the client configuration gives one,
     * raised to the {@code linger.ms + request.timeout.ms} that Kafka requires (its defaults where {@code producer}
     * gives none).
     */
    public static void deliveryTimeout(Properties producer, Duration wanted) {
        if (producer.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
            return;
        }
        long floor = millisOrDefault(producer, ProducerConfig.LINGER_MS_CONFIG)
                + millisOrDefault(producer, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        producer.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                String.valueOf(Math.max(wanted.toMillis(), floor)));
    }

    /** A timeout of the client configuration, or {@code otherwise} when it gives none. */
    public static Duration timeout(Properties clientConfig, String key, Duration otherwise) {
        return clientConfig.containsKey(key) ? Duration.ofMillis(millis(clientConfig, key)) : otherwise;
    }

    /** How long a call of a client may take: its {@code default.api.timeout.ms}, or Kafka's default (60 s). */
    public static Duration apiTimeout(Properties clientConfig) {
        String key = AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG;
        return Duration.ofMillis(clientConfig.containsKey(key) ? millis(clientConfig, key)
                : ((Number) AdminClientConfig.configDef().defaultValues().get(key)).longValue());
    }

    private static long millisOrDefault(Properties producer, String key) {
        return producer.containsKey(key) ? millis(producer, key)
                : ((Number) ProducerConfig.configDef().defaultValues().get(key)).longValue();
    }

    /** A timeout of the client configuration, in milliseconds. */
    static long millis(Properties p, String key) {
        String value = String.valueOf(p.get(key)).strip();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ConfigurationError(key + " in the Kafka client configuration is not a number of milliseconds: "
                    + value, e);
        }
    }
}
