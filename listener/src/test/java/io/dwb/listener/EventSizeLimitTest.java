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

    @Test
    void aRequestSizeThatIsNoNumberIsAConfigurationError() {
        assertThatThrownBy(() -> limit("1MB")).isInstanceOf(ConfigurationError.class)
                .hasMessageContaining("max.request.size").hasMessageContaining("1MB");
    }
}
