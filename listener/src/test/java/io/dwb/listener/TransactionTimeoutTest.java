package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 12 item 4: a listener paused (SIGSTOP) longer than its {@code transaction.timeout.ms} finds its transaction
 * aborted by the broker and its epoch bumped. That is not another listener: it starts a new producer, resumes from
 * the checkpoint, and every event made before, during and after the pause is on the topic once.
 */
@ExtendWith(SharedKafka.class)
class TransactionTimeoutTest {
    private static final int TRANSACTION_TIMEOUT_MS = 2_000;
    private static final int ATTEMPTS = 10;
    private static final int MAKERS = 2;
    private static final int VOLUMES_PER_MAKER = 10;

    @Test
    void aListenerPausedPastTheTransactionTimeoutResumesWithoutLossOrDuplicates(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("paused");
        Path config = Files.createTempFile("dwb-kafka-", ".properties");
        Files.writeString(config, "bootstrap.servers=" + broker.bootstrapServers() + "\n"
                + "transaction.timeout.ms=" + TRANSACTION_TIMEOUT_MS + "\n");
        List<String> made = new CopyOnWriteArrayList<>();
        String transactionalId = listener.identity().transactionalId();
        try (TestEngine engine = new TestEngine(); Admin admin = broker.admin();
             JavaProcess process = listener.startWithKafkaConfig(config)) {
            ListenerProcess.awaitConnected(process, 1);
            makeVolumes(engine, prefix + "-before", 3, made);
            awaitPublished(broker, listener, prefix + "-before", 6); // committed with a checkpoint
            // Stop the process while events flow, until the stop caught a transaction open. The listener commits
            // as soon as its queue drains, within milliseconds, so events are made on two threads at once (they
            // arrive faster than it commits) and the stop is sent once the broker reports a transaction open; it
            // may still land after the commit, then another attempt.
            boolean caughtOpen = false;
            ExecutorService makers = Executors.newFixedThreadPool(MAKERS);
            try {
                for (int attempt = 0; attempt < ATTEMPTS && !caughtOpen; attempt++) {
                    String batch = prefix + "-during" + attempt;
                    List<Future<?>> making = new ArrayList<>();
                    for (int m = 0; m < MAKERS; m++) {
                        String names = batch + "-" + m;
                        making.add(makers.submit(() -> makeVolumes(engine, names, VOLUMES_PER_MAKER, made)));
                    }
                    while (!caughtOpen && !making.stream().allMatch(Future::isDone)) {
                        if (state(admin, transactionalId) == TransactionState.ONGOING) {
                            signal("STOP", process);
                            caughtOpen = state(admin, transactionalId) == TransactionState.ONGOING;
                            if (!caughtOpen) {
                                signal("CONT", process);
                            }
                        }
                    }
                    for (Future<?> f : making) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                    if (caughtOpen) {
                        // The broker aborts it after the timeout (it looks every 10 s by default).
                        TransactionState ended = await().atMost(Duration.ofSeconds(60))
                                .pollInterval(Duration.ofMillis(500))
                                .until(() -> state(admin, transactionalId), s -> s != TransactionState.ONGOING);
                        signal("CONT", process);
                        // The stop may land after the listener asked for the commit: the broker then completes it,
                        // nothing times out (a CI run saw that). Another attempt.
                        caughtOpen = ended == TransactionState.PREPARE_ABORT
                                || ended == TransactionState.COMPLETE_ABORT;
                        if (!caughtOpen) {
                            awaitPublished(broker, listener, batch, 2 * MAKERS * VOLUMES_PER_MAKER);
                        }
                    } else {
                        awaitPublished(broker, listener, batch, 2 * MAKERS * VOLUMES_PER_MAKER);
                    }
                }
            } finally {
                makers.shutdownNow();
            }
            assertThat(caughtOpen).as("a stop caught an open transaction").isTrue();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(process.isAlive()).as("listener alive; output:\n" + process.output()).isTrue();
                assertThat(process.output()).as("the timed-out transaction said; output:\n" + process.output())
                        .contains("longer than transaction.timeout.ms");
            });
            makeVolumes(engine, prefix + "-after", 3, made);

            awaitPublished(broker, listener, prefix, 2 * made.size());
            TopicView view = TopicView.read(broker, listener.topic);
            List<JsonNode> mine = view.eventValues(TopicView.named(prefix));
            Map<String, Long> perAction = mine.stream().collect(Collectors.groupingBy(
                    e -> e.path("Actor").path("ID").asText() + " " + e.path("Action").asText(),
                    Collectors.counting()));
            List<String> expected = new ArrayList<>();
            for (String name : made) {
                expected.add(name + " create");
                expected.add(name + " destroy");
            }
            assertThat(perAction.keySet()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(Set.copyOf(perAction.values())).as("each event once").containsExactly(1L);
            Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(
                    TopicView.Published::eventId, Collectors.counting()));
            assertThat(ids.values()).as("no event of any kind published twice").allMatch(n -> n == 1);
            assertThat(process.output()).contains("the broker aborted it")
                    .contains("publishes again what was read").doesNotContain("fenced");
            assertThat(process.output().substring(process.output().indexOf("the broker aborted it")))
                    .as("the aborted transaction's events in the next one, the subscription going on")
                    .contains("resuming from checkpoint").contains("publishing again the").contains("Kafka is back");
            assertThat(process.isAlive()).isTrue();
            assertThat(process.terminate(Duration.ofSeconds(30))).isZero();
        } finally {
            Files.deleteIfExists(config);
        }
    }

    private static void awaitPublished(SharedKafka.Broker broker, ListenerProcess listener, String prefix, int n) {
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)))
                .hasSizeGreaterThanOrEqualTo(n));
    }

    /** Creates and removes {@code count} volumes (two events each). */
    private static void makeVolumes(TestEngine engine, String prefix, int count, List<String> made) {
        for (int i = 0; i < count; i++) {
            String name = prefix + "-" + i;
            engine.client().createVolumeCmd().withName(name).exec();
            engine.client().removeVolumeCmd(name).exec();
            made.add(name);
        }
    }

    private static TransactionState state(Admin admin, String transactionalId) {
        try {
            return admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(30, TimeUnit.SECONDS).state();
        } catch (Exception e) {
            throw new AssertionError("cannot describe transaction " + transactionalId, e);
        }
    }

    private static void signal(String signal, JavaProcess process) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
            assertThat(kill.waitFor()).as("kill -" + signal).isZero();
        } catch (Exception e) {
            throw new AssertionError("kill -" + signal + " failed", e);
        }
    }
}
