package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dwb.schemas.testing.JavaProcess;
import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Kafka client settings of a {@code --kafka-config} file that the listener's own settings must live with. */
@ExtendWith(SharedKafka.class)
class KafkaConfigFileTest {
    @TempDir
    Path dir;

    /**
     * Azure Event Hubs recommends {@code request.timeout.ms=60000}: above the admin client's call timeout
     * ({@code --kafka-timeout}, 30 s), which Kafka refused to build.
     */
    @Test
    void aLongRequestTimeoutStartsAndPublishes(SharedKafka.Broker broker) throws Exception {
        ListenerProcess listener = new ListenerProcess(broker);
        String prefix = TestEngine.uniqueName("long-requests");
        Path config = clientFile(broker, "request.timeout.ms=60000\n");
        try (TestEngine engine = new TestEngine(); JavaProcess process = listener.startWithKafkaConfig(config)) {
            ListenerProcess.awaitConnected(process, 1);
            publishVolume(engine, broker, listener, prefix);
            assertThat(process.terminate(Duration.ofSeconds(30))).as(process.output()).isZero();
        }
    }

    /** Creates and removes a volume, and waits for both its events on the events topic. */
    private static void publishVolume(TestEngine engine, SharedKafka.Broker broker, ListenerProcess listener,
                                      String name) {
        engine.client().createVolumeCmd().withName(name).exec();
        engine.client().removeVolumeCmd(name).exec();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                TopicView.read(broker, listener.topic).eventValues(TopicView.named(name)).size() == 2);
    }

    private Path clientFile(SharedKafka.Broker broker, String settings) throws Exception {
        return Files.writeString(dir.resolve("client.properties"), "bootstrap.servers=" + broker.bootstrapServers()
                + "\n" + settings);
    }
}
