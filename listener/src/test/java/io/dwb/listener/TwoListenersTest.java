package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Acceptance 6: two listeners for one engine. The transactional id is the lock: the newer fences the older, which
 * exits 1 with one error line, and nothing is published twice.
 */
@ExtendWith(SharedKafka.class)
class TwoListenersTest {

    @Test
    void aSecondListenerForTheSameEngineFencesTheFirst_whichExitsWithoutPublishingTwice(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("two");
        try (TestEngine engine = new TestEngine(); JavaProcess first = listener.start()) {
            ListenerProcess.awaitConnected(first, 1);
            try (JavaProcess second = listener.start()) {
                ListenerProcess.awaitConnected(second, 1);
                // Both see these events; only the newer producer's transactions can commit.
                assertVolumeEventsOnce(broker, listener, engine, prefix);
                assertThat(first.waitFor(Duration.ofSeconds(60))).isEqualTo(1);
                assertThat(errorLines(first.output())).singleElement().asString()
                        .startsWith("error: fenced: another listener for Docker engine " + listener.hostName)
                        .contains("run one listener per engine");
                assertThat(first.output()).doesNotContain("\tat ");
                assertThat(second.isAlive()).isTrue();
                assertThat(second.terminate(Duration.ofSeconds(30))).isZero();
            }
        }
    }

    @Test
    void twoStartedTogether_oneRemainsAndNothingIsPublishedTwice(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("race");
        try (TestEngine engine = new TestEngine();
             JavaProcess a = listener.start("--heartbeat-interval", "1s");
             JavaProcess b = listener.start("--heartbeat-interval", "1s")) {
            // Each one's initTransactions fences the other's producer if it came first: the older one exits.
            await().atMost(Duration.ofSeconds(120)).until(() -> !a.isAlive() || !b.isAlive());
            JavaProcess loser = a.isAlive() ? b : a;
            JavaProcess winner = loser == a ? b : a;
            assertThat(loser.waitFor(Duration.ofSeconds(10))).isEqualTo(1);
            assertThat(errorLines(loser.output())).singleElement().asString()
                    .startsWith("error: fenced: another listener for Docker engine " + listener.hostName);
            ListenerProcess.awaitConnected(winner, 1);
            assertVolumeEventsOnce(broker, listener, engine, prefix);
            assertThat(winner.isAlive()).isTrue();
            assertThat(winner.terminate(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void aListenerFencedByANewerProducerOfItsTransactionalIdExitsWithoutPublishingMore(SharedKafka.Broker broker)
            throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("fenced");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.start("--heartbeat-interval", "1s")) {
            ListenerProcess.awaitConnected(process, 1);
            java.util.Properties p = new java.util.Properties();
            p.put("bootstrap.servers", broker.bootstrapServers());
            p.put("transactional.id", listener.identity().transactionalId());
            p.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
            p.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
            // What a second listener of the engine does first: it fences the running one. The running one takes a
            // first refusal (a fence, or with transactions version 2 an invalid state) for the coordinator's own
            // abort, which Kafka answers alike: its new producer fences this one, which then claims the id again, as
            // a second listener would at its next refusal (docs/listener.md). Each claim follows the listener's
            // latest producer ("Kafka ready"), so none is lost to a producer still starting.
            java.util.List<org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>> newer =
                    new java.util.ArrayList<>();
            try {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    if (!process.isAlive()) {
                        return true;
                    }
                    if (ListenerProcess.count(process.output(), "Kafka ready at") > newer.size()) {
                        var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(p);
                        newer.add(producer);
                        producer.initTransactions();
                    }
                    return false;
                });
                assertThat(process.waitFor(Duration.ofSeconds(10))).isEqualTo(1);
            } finally {
                newer.forEach(producer -> producer.close(Duration.ZERO));
            }
            assertThat(newer).as("claims of the id before the listener left").hasSizeBetween(1, 2);
            assertThat(errorLines(process.output())).singleElement().asString()
                    .startsWith("error: fenced: another listener for Docker engine " + listener.hostName);
            assertThat(process.output()).doesNotContain("\tat ");
            engine.client().createVolumeCmd().withName(prefix + "-after").exec();
            engine.client().removeVolumeCmd(prefix + "-after").exec();
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)))
                            .as("nothing published after the fencing").isEmpty());
        }
    }

    private static void assertVolumeEventsOnce(SharedKafka.Broker broker, ListenerProcess listener,
                                               TestEngine engine, String prefix) {
        for (int i = 0; i < 5; i++) {
            engine.client().createVolumeCmd().withName(prefix + "-" + i).exec();
            engine.client().removeVolumeCmd(prefix + "-" + i).exec();
        }
        await().atMost(Duration.ofSeconds(60)).until(() ->
                TopicView.read(broker, listener.topic).eventValues(TopicView.named(prefix)).size() >= 10);
        TopicView view = TopicView.read(broker, listener.topic);
        assertThat(view.eventValues(TopicView.named(prefix))).hasSize(10);
        Map<String, Long> ids = view.events().stream().collect(Collectors.groupingBy(TopicView.Published::eventId,
                Collectors.counting()));
        assertThat(ids.values()).allMatch(n -> n == 1);
    }

    private static java.util.List<String> errorLines(String output) {
        return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith("error:")).toList();
    }
}
