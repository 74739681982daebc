package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.dwb.schemas.testing.DatagramReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertDestinationTest {
    @TempDir
    Path dir;

    @Test
    void theWazuhQueueWhenItsSocketExists() throws Exception {
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue"))) {
            assertThat(AlertDestination.resolve(null, wazuh.path())).isEqualTo(wazuh.path().toString());
        }
    }

    @Test
    void standardOutputWhenThereIsNoSocketThere() throws Exception {
        assertThat(AlertDestination.resolve(null, dir.resolve("missing"))).isEqualTo("-");
        Path plainFile = Files.writeString(dir.resolve("queue"), "not a socket");
        assertThat(AlertDestination.resolve("", plainFile)).isEqualTo("-");
    }

    @Test
    void whatTheOptionSaysWins() throws Exception {
        try (DatagramReceiver wazuh = DatagramReceiver.bind(dir.resolve("queue"))) {
            assertThat(AlertDestination.resolve("-", wazuh.path())).isEqualTo("-");
            assertThat(AlertDestination.resolve("/elsewhere/queue", wazuh.path())).isEqualTo("/elsewhere/queue");
        }
    }
}
