package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SilentPort;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * SIGTERM (what {@code systemctl stop} sends) while Kafka cannot be reached at start: exit 0 within seconds, saying
 * that nothing was read. Before, the stop waited for the topics' check to give up (30 s) and the listener exited 1
 * with {@code error: cannot reach Kafka}, about 27 s after the stop; or, Kafka answering but taking no transaction,
 * for {@code initTransactions} to give up (30 s).
 */
@Execution(ExecutionMode.CONCURRENT)
class StopBeforeKafkaTest {
    /** Far below the 30 s of the Kafka timeout that the stop used to wait for. */
    private static final Duration PROMPT = Duration.ofSeconds(15);

    @Test
    void aStopWhileKafkaRefusesConnectionsEndsTheStartAtOnce() throws Exception {
        String closed = "127.0.0.1:" + ListenerProcess.freePort();
        ListenerProcess listener = new ListenerProcess(closed);
        try (JavaProcess process = listener.start()) {
            awaitEngineIdentified(process); // then it waits on Kafka

            assertStopsAtOnceWithNothingLost(process, closed);
        }
    }

    @Test
    void aStopWhileKafkaDoesNotAnswerEndsTheStartAtOnce() throws Exception {
        try (SilentPort kafka = new SilentPort()) {
            ListenerProcess listener = new ListenerProcess(kafka.address());
            try (JavaProcess process = listener.start()) {
                awaitEngineIdentified(process);
                await().atMost(Duration.ofSeconds(30)).until(() -> kafka.connections() > 0);

                assertStopsAtOnceWithNothingLost(process, kafka.address());
            }
        }
    }

    @Test
    void aStopWhileKafkaTakesNoTransactionEndsTheStartAtOnce() throws Exception {
        // One broker, three replicas asked of its transaction log: it answers for topics, never for a transaction,
        // so initTransactions waits (--kafka-timeout, 30 s) and the listener retries it, forever.
        try (SharedKafka.Broker broker = SharedKafka.startBroker(Map.of(
                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3"))) {
            ListenerProcess listener = new ListenerProcess(broker);
            // The Kafka client's INFO lines say when initTransactions begins.
            try (JavaProcess process = listener.start(Map.of("DWB_KAFKA_LOG_LEVEL", "INFO"))) {
                awaitEngineIdentified(process);
                await().atMost(Duration.ofSeconds(30)).until(() -> process.output().contains(
                        "Invoking InitProducerId for the first time"));

                assertStopsAtOnceWithNothingLost(process, broker.bootstrapServers());
                assertThat(process.output()).doesNotContain("Kafka ready at");
            }
        }
    }

    private static void awaitEngineIdentified(JavaProcess process) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("listener exited; output:\n" + process.output());
            }
            return process.output().contains("Docker engine at ");
        });
    }

    private static void assertStopsAtOnceWithNothingLost(JavaProcess process, String kafka) throws Exception {
        assertThat(process.terminate(PROMPT)).as(process.output()).isZero();
        assertThat(process.output())
                .contains("stopping before Kafka at " + kafka + " was ready: nothing was read from the Docker "
                        + "engine, so nothing is lost")
                .contains("ListenerCommand - stopped")
                .doesNotContain("error:");
    }
}
