package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.NamedThread;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KafkaClientThreadsTest {

    @Test
    void aWatchedThreadSeenAliveThatEndedIsNamedOthersAreNot() throws InterruptedException {
        String dlq = KafkaClientThreads.producer("dwb-forwarder-dlq");
        String otherProducer = KafkaClientThreads.producer("docker-listener-abc");
        NamedThread watched = NamedThread.running(dlq);
        NamedThread other = NamedThread.running(otherProducer);
        KafkaClientThreads threads = KafkaClientThreads.named(Set.of(dlq)).observe();
        assertThat(threads.died()).isNull();

        other.end();
        assertThat(threads.died()).as("another client of the same JVM may close its thread").isNull();
        watched.end();
        assertThat(threads.died()).isEqualTo(dlq);
    }

    @Test
    void producersAreEveryProducersNetworkThreadAndOnlyThose() throws InterruptedException {
        NamedThread producer = NamedThread.running(KafkaClientThreads.producer("docker-listener-abc"));
        NamedThread admin = NamedThread.running(KafkaClientThreads.admin("dwb-forwarder-watch"));
        KafkaClientThreads threads = KafkaClientThreads.producers().observe();

        admin.end();
        assertThat(threads.died()).isNull();
        producer.end();
        assertThat(threads.died()).isEqualTo(KafkaClientThreads.producer("docker-listener-abc"));
    }

    @Test
    void aThreadStartedAfterTheLastLookIsNotWatchedYet() throws InterruptedException {
        String dlq = KafkaClientThreads.producer("dwb-forwarder-dlq");
        KafkaClientThreads threads = KafkaClientThreads.named(Set.of(dlq)).observe();
        NamedThread late = NamedThread.running(dlq);
        late.end();
        assertThat(threads.died()).isNull();
        assertThat(KafkaClientThreads.none().observe().died()).isNull();
    }

    /**
     * A client replaced by another of the same {@code client.id} (the open-transaction watch's admin client, renewed):
     * the old one's thread ends after the new one's is observed, and is not taken for the new one's death, which
     * would replace the new client at once, and again and again.
     */
    @Test
    void aSuccessorWatchesTheReplacingClientsThreadNotTheReplacedOnes() throws InterruptedException {
        String name = KafkaClientThreads.admin("dwb-forwarder-open-transactions");
        NamedThread replaced = NamedThread.running(name);
        KafkaClientThreads first = KafkaClientThreads.named(Set.of(name)).observe();
        NamedThread replacing = NamedThread.running(name);
        KafkaClientThreads next = first.successor().observe();

        replaced.end();
        assertThat(first.died()).isEqualTo(name);
        assertThat(next.died()).as("the replaced client's thread, ending late").isNull();
        replacing.end();
        assertThat(next.died()).isEqualTo(name);
    }
}
