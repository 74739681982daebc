package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint lookup's consumers say in Kafka's log lines and metrics what they are and whose they are: without a
 * group or a client id, Kafka called them {@code consumer-null-N}. No broker: a consumer sends nothing until used.
 */
class CheckpointConsumerNamesTest {
    private static final HostIdentity HOST = HostIdentity.fromHostName("names");

    private static Properties client() {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:9");
        return p;
    }

    /** The client id Kafka's consumer took from {@code reader}'s configuration: the one its metrics carry. */
    private static String clientId(CheckpointStore store, CheckpointStore.Reader reader) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(store.consumerConfig(reader),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return consumer.metrics().keySet().stream().map(n -> n.tags().get("client-id")).filter(Objects::nonNull)
                    .findFirst().orElseThrow();
        }
    }

    @Test
    void eachConsumerOfTheLookupIsNamedForWhatItReadsAndTheListenerItServes() {
        CheckpointStore store = new CheckpointStore(client(), "checkpoints", HOST.transactionalId());

        assertThat(clientId(store, CheckpointStore.Reader.LOOKUP))
                .isEqualTo("checkpoint-lookup-docker-listener-" + HOST.id());
        assertThat(clientId(store, CheckpointStore.Reader.WRITTEN_END))
                .isEqualTo("checkpoint-written-end-docker-listener-" + HOST.id());
        assertThat(clientId(store, CheckpointStore.Reader.SEARCH))
                .isEqualTo("checkpoint-lookup-docker-listener-" + HOST.id() + "-search");
    }

    /**
     * A client id of the Kafka configuration leads, and each consumer adds what it is, as Kafka Streams names its
     * clients: the two are open together, and one id for both made Kafka WARN, with a stack trace, at every lookup
     * (each start, each retry) that its metrics bean was registered already.
     */
    @Test
    void aClientIdOfTheKafkaConfigurationLeadsEachConsumersOwn() {
        Properties client = client();
        client.put("client.id", "site-a-listeners");
        CheckpointStore store = new CheckpointStore(client, "checkpoints", HOST.transactionalId());

        assertThat(clientId(store, CheckpointStore.Reader.LOOKUP)).isEqualTo("site-a-listeners-checkpoint-lookup");
        assertThat(clientId(store, CheckpointStore.Reader.WRITTEN_END))
                .isEqualTo("site-a-listeners-checkpoint-written-end");
        assertThat(clientId(store, CheckpointStore.Reader.SEARCH))
                .isEqualTo("site-a-listeners-checkpoint-lookup-search");
    }
}
