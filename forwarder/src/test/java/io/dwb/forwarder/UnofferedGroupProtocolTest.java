package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which forwarders' UnsupportedVersionException is the brokers refusing the consumer protocol: {@code group.protocol}
 * read as Kafka reads it, and a live forwarder only. The refusal itself, on a real broker: {@link
 * GroupProtocolRefusedTest}.
 */
class UnofferedGroupProtocolTest {
    @TempDir
    Path dir;

    @Test
    void theProtocolIsReadAsKafkaReadsItTrimmedInAnyCase() {
        assertThat(UnofferedGroupProtocol.configured(new Properties())).isEqualTo(GroupProtocol.CLASSIC);
        assertThat(UnofferedGroupProtocol.configured(protocol(" Consumer "))).isEqualTo(GroupProtocol.CONSUMER);
        assertThat(UnofferedGroupProtocol.configured(protocol("classic"))).isEqualTo(GroupProtocol.CLASSIC);
        assertThat(UnofferedGroupProtocol.configured(protocol("neither")))
                .as("refused by the consumer as it is built, never polled").isEqualTo(GroupProtocol.CLASSIC);
    }

    @Test
    void onlyALiveForwarderOfTheConsumerProtocolJoinsByIt() throws Exception {
        Path consumer = Files.writeString(dir.resolve("kafka.properties"), "group.protocol=consumer\n");
        assertThat(UnofferedGroupProtocol.joinsByConsumerProtocol(ForwarderRun.settings("--kafka-config",
                consumer.toString()))).isTrue();
        assertThat(UnofferedGroupProtocol.joinsByConsumerProtocol(ForwarderRun.settings("--kafka-config",
                consumer.toString(), "--from", "1764000000"))).as("a replay joins no group").isFalse();
        assertThat(UnofferedGroupProtocol.joinsByConsumerProtocol(ForwarderRun.settings())).isFalse();
    }

    private static Properties protocol(String value) {
        Properties p = new Properties();
        p.setProperty("group.protocol", value);
        return p;
    }
}
