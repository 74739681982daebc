package io.dwb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class KafkaClientThreadsTest {

    @Test
    void aWatchedThreadSeenAliveThatEndedIsNamedOthersAreNot() throws InterruptedException {
        String dlq = KafkaClientThreads.producer("dwb-forwarder-dlq");
        String otherProducer = KafkaClientThreads.producer("docker-listener-abc");
        Running watched = Running.named(dlq);
        Running other = Running.named(otherProducer);
        KafkaClientThreads threads = KafkaClientThreads.named(Set.of(dlq)).observe();
        assertThat(threads.died()).isNull();

        other.end();
        assertThat(threads.died()).as("another client of the same JVM may close its thread").isNull();
        watched.end();
        assertThat(threads.died()).isEqualTo(dlq);
    }

    @Test
    void producersAreEveryProducersNetworkThreadAndOnlyThose() throws InterruptedException {
        Running producer = Running.named(KafkaClientThreads.producer("docker-listener-abc"));
        Running admin = Running.named(KafkaClientThreads.admin("dwb-forwarder-watch"));
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
        Running late = Running.named(dlq);
        late.end();
        assertThat(threads.died()).isNull();
        assertThat(KafkaClientThreads.none().observe().died()).isNull();
    }

    /** A thread of a given name that runs until ended. */
    private record Running(Thread thread, CountDownLatch release) {
        static Running named(String name) {
            CountDownLatch release = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, name);
            t.setDaemon(true);
            t.start();
            return new Running(t, release);
        }

        void end() throws InterruptedException {
            release.countDown();
            thread.join();
        }
    }
}
