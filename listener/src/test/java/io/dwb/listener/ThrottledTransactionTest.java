package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A burst the broker takes from this listener more slowly than one commit may wait (a client quota on a shared
 * cluster, a slow link): 300 kB of events at 20 kB/s, where a commit may wait 3 s ({@code --kafka-timeout}, the
 * producer's {@code max.block.ms}). The transaction that holds the burst fails; before, the next producer published
 * everything held again in one transaction, which failed the same way: capture stuck for good, nothing more on the
 * topic, a warning every few seconds. Now the next transactions hold half of what the broker acknowledged in time,
 * and every event reaches the topic once, in order.
 */
@ExtendWith(SharedKafka.class)
@Execution(ExecutionMode.CONCURRENT)
class ThrottledTransactionTest {
    private static final int EVENTS = 12;
    private static final int PAD = 25_000;
    /**
     * The broker measures a client's rate over its last ~10 s, from its first request: a burst of 300 kB at 20 kB/s
     * is throttled (one of 1 MB at 100 kB/s was not).
     */
    private static final double BYTES_PER_SECOND = 20_000;
    /** Now: the topic's 7-day retention would delete records timestamped earlier. */
    private static final long T0 = System.currentTimeMillis() * 1_000_000L;

    @Test
    void aBurstTheBrokerTakesTooSlowlyForOneCommitIsPublishedInSmallerTransactions(SharedKafka.Broker broker)
            throws Exception {
        // Random letters: the producer compresses, and the quota counts what reaches the broker.
        Random random = new Random(15);
        String pad = random.ints(PAD, 'a', 'z' + 1).collect(StringBuilder::new, StringBuilder::appendCodePoint,
                StringBuilder::append).toString();
        List<ScriptedEngine.Event> events = ScriptedEngine.paddedContainerEvents(EVENTS, "create", "slow-", pad, T0);
        ListenerProcess listener = new ListenerProcess(broker);
        Path kafkaConfig = listener.quotaKafkaConfig(BYTES_PER_SECOND);
        try (ScriptedEngine engine = new ScriptedEngine(events);
             JavaProcess process = listener.start("--docker-host", engine.dockerHost(),
                     "--kafka-config", kafkaConfig.toString(), "--kafka-timeout", "3s")) {
            ListenerProcess.awaitConnected(process, 1);
            // ~20 s alone; a loaded CI machine takes twice as long.
            await().atMost(Duration.ofSeconds(150)).untilAsserted(() -> {
                assertThat(process.isAlive()).as("alive; output:%n%s", process.output()).isTrue();
                assertThat(TopicView.read(broker, listener.topic).events()).as("output:%n%s", process.output())
                        .hasSize(EVENTS);
            });
            TopicView view = TopicView.read(broker, listener.topic);
            assertThat(view.events()).extracting(p -> p.value().path("Actor").path("ID").asText())
                    .containsExactlyElementsOf(IntStream.range(0, EVENTS).mapToObj(i -> "slow-" + i).toList());
            assertThat(view.ofKind("gap")).isEmpty();
            assertThat(process.output()).as("the smaller transactions said")
                    .contains("the next transactions hold at most");
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        } finally {
            Files.deleteIfExists(kafkaConfig);
        }
    }
}
