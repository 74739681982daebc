package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThatCode;

import io.dwb.schemas.testing.SharedKafka;
import io.dwb.schemas.testing.SharedKafka.Broker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A stop that comes while the forwarder makes its first contact with Kafka is a clean stop, not an error. */
@ExtendWith(SharedKafka.class)
class StopAtStartTest {

    @Test
    void aStopBeforeTheFirstPollReturnsNormally(Broker broker) throws Exception {
        String topic = TestRecords.topic(broker, "events", 1);
        // SIGTERM just after start: the command calls stop() before or during run()'s first contact with Kafka.
        try (Forwarder forwarder = new Forwarder(ForwarderRun.settings("--bootstrap-servers",
                broker.bootstrapServers(), "--topic", topic, "--group", "g-" + topic, "--wazuh-queue", "-"))) {
            forwarder.stop();

            assertThatCode(forwarder::run).as("exit 0, not error: WakeupException").doesNotThrowAnyException();
        }
    }
}
