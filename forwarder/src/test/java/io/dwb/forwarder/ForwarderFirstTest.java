package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.runtime.TopicSpec;
import io.dwb.schemas.testing.DatagramReceiver;
import io.dwb.schemas.testing.LogLines;
import io.dwb.schemas.testing.SharedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder started before any listener, on a cluster that creates topics on first use (Kafka's default,
 * {@code auto.create.topics.enable=true}): its subscription created the events topic with the broker's defaults
 * (one partition, no decompressed bound), so the listeners found it existing and used it, and the whole fleet's
 * events went through one partition, to one forwarder of the group. Now the forwarder says it waits for the topic,
 * and delivers from the partitions its creator gave it.
 */
@ExtendWith(SharedKafka.class)
class ForwarderFirstTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines logged = LogLines.of(Forwarder.class);

    @Test
    void aForwarderStartedBeforeTheTopicExistsDoesNotCreateItAndDeliversOnceItIsCreated(SharedKafka.Broker broker)
            throws Exception {
        String topic = SharedKafka.Broker.uniqueTopic("events-later");
        try (DatagramReceiver receiver = DatagramReceiver.bind(dir.resolve("queue"));
             ForwarderRun run = ForwarderRun.start(broker.bootstrapServers(), topic, receiver.path().toString());
             Admin admin = broker.admin()) {
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
                run.assertAlive();
                return !admin.listTopics().names().get().contains(topic);
            });
            assertThat(logged.messages())
                    .anySatisfy(line -> assertThat(line).startsWith("topic " + topic + " does not exist yet: "
                            + "waiting for a listener to create it"));
            // As the listener creates it.
            TopicSpec spec = TopicSpec.events(topic, 6, Duration.ofDays(1), -1);
            admin.createTopics(List.of(new NewTopic(topic, spec.partitions(), (short) 1).configs(spec.configs())))
                    .all().get();
            long now = System.currentTimeMillis() * 1_000_000L;
            try (KafkaProducer<byte[], byte[]> producer = broker.producer()) {
                producer.send(TestRecords.event(topic, "h", "h-id", TestRecords.containerEvent("first", now))).get();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.count() == 1);
            assertThat(broker.describeTopic(topic).partitions()).hasSize(6);
            run.assertAlive();
        }
    }
}
