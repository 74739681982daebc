package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** What the listener's producer is given, as Kafka's producer reads it. */
class ProducerConfigTest {
    private static ProducerConfig effective(Properties clientConfig) {
        Properties given = TransactionalPublisher.producerConfig(clientConfig, "docker-listener-h");
        given.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "k:9092");
        return new ProducerConfig(given);
    }

    /**
     * Kafka's producer retries a transaction request (InitProducerId, EndTxn) after exactly retry.backoff.ms, without
     * growing it: a fleet's listeners whose coordinator moved ask it that often while it loads.
     */
    @Test
    void transactionRequestsAreRetriedNoSoonerThanKafkasDefault() {
        assertThat(effective(new Properties()).getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG)).isEqualTo(100L);
        Properties own = new Properties();
        own.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, "250");
        assertThat(effective(own).getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG)).as("--kafka-config's")
                .isEqualTo(250L);
    }
}
