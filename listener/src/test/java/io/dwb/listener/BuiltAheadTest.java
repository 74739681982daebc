package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.KafkaConfigFile;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.Producer;
import org.junit.jupiter.api.Test;

/**
 * The producer built ahead (while the topics are checked) is the one the first attempt takes, and one never taken
 * is closed: its network thread ends. No broker: building a producer sends nothing. (The checkpoint lookup's
 * consumer built ahead: {@code CheckpointLookupTest}.)
 */
class BuiltAheadTest {
    private static final HostIdentity HOST = HostIdentity.fromHostName("built-ahead");

    @Test
    void theProducerBuiltAheadIsTheOneTakenAndOneNeverTakenIsClosed() {
        Properties config = new Properties();
        config.put("bootstrap.servers", "127.0.0.1:9"); // nothing listens there, and nothing is asked before init
        TransactionalProducers source = new TransactionalProducers(new KafkaClientSettings(new KafkaConfigFile(null,
                null), config, UnaryOperator.identity()), HOST, TransactionalPublisher::producer,
                new CommitTiming(Duration.ofMillis(150), Duration.ZERO));
        source.prepare();
        assertThat(networkThreads()).as("built ahead").hasSize(1);
        Producer<byte[], byte[]> taken = source.take().producer();
        assertThat(networkThreads()).as("taken, not built again").hasSize(1);
        taken.close(Duration.ZERO);
        await().atMost(Duration.ofSeconds(10)).until(() -> networkThreads().isEmpty());

        source.prepare();
        assertThat(networkThreads()).hasSize(1);
        source.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> networkThreads().isEmpty());
    }

    /** The live network threads of this host's producers: one per producer. */
    private static List<Thread> networkThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().equals("kafka-producer-network-thread | producer-" + HOST.transactionalId()))
                .toList();
    }
}
