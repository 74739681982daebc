package io.dwb.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.schemas.StandIn;
import io.dwb.runtime.ConfigurationError;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * Which events the listener publishes as they are and which as stand-ins: what the producer can send, never more
 * than the forwarder takes (a larger event published as it is would only reach the dead-letter topic).
 */
class EventSizeLimitTest {

    private static int limit(String maxRequestSize) {
        Properties p = new Properties();
        if (maxRequestSize != null) {
            p.setProperty("max.request.size", maxRequestSize);
        }
        return TransactionalPublisher.maxEventBytes(p);
    }

    @Test
    void kafkasDefaultRequestSizeLeavesRoomForTheRecordsFraming() {
        assertThat(limit(null)).isEqualTo(1024 * 1024 - 16 * 1024);
    }

    @Test
    void aSmallerRequestSizeLowersTheLimitAndALargerOneStopsAtWhatTheForwarderTakes() {
        assertThat(limit("200000")).isEqualTo(200_000 - 16 * 1024);
        assertThat(limit(String.valueOf(4 * 1024 * 1024))).isEqualTo(StandIn.MAX_VALUE_BYTES);
        assertThat(limit("1000")).as("never below 64 KiB").isEqualTo(64 * 1024);
    }

    /**
     * The events topic's largest record (its max.message.bytes, else the broker's message.max.bytes): an event
     * published as it is beyond that, the broker refused, and the transaction with it at every retry.
     */
    @Test
    void theEventsTopicsLargestRecordBoundsTheLimitToo() {
        Properties p = new Properties();
        assertThat(TransactionalPublisher.maxEventBytes(p, 200_000)).isEqualTo(200_000 - 16 * 1024);
        p.setProperty("max.request.size", String.valueOf(4 * 1024 * 1024));
        assertThat(TransactionalPublisher.maxEventBytes(p, EventsTopic.KAFKA_DEFAULT_MAX_MESSAGE_BYTES))
                .as("a larger request size, the broker's default: a 1 MiB event and its framing it refuses")
                .isEqualTo(EventsTopic.KAFKA_DEFAULT_MAX_MESSAGE_BYTES - 16 * 1024)
                .isLessThan(StandIn.MAX_VALUE_BYTES);
    }

    @Test
    void aRequestSizeThatIsNoNumberIsAConfigurationError() {
        assertThatThrownBy(() -> limit("1MB")).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("max.request.size").hasMessageContaining("1MB");
    }
}
