package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A queue socket that is not there is told apart from one this user may not reach (a directory on the way not
 * searchable: the forwarder outside Wazuh's group). The tests run as root, whom permissions never stop, so the
 * refusal is the file system's answer as a user outside the group gets it (EACCES: AccessDeniedException).
 */
class SocketPathTest {
    @TempDir
    Path dir;

    private static final SocketPath.Attributes DENIED = p -> {
        throw new AccessDeniedException(p.toString());
    };

    @Test
    void aPathNotThereIsMissingAndOneThatMayNotBeSearchedIsDenied() throws Exception {
        assertThat(SocketPath.of(dir.resolve("queue"))).isEqualTo(SocketPath.MISSING);
        Files.writeString(dir.resolve("file"), "x");
        assertThat(SocketPath.of(dir.resolve("file").resolve("queue"))).as("not a directory on the way")
                .isEqualTo(SocketPath.MISSING);
        assertThat(SocketPath.of(dir)).isEqualTo(SocketPath.PRESENT);
        assertThat(SocketPath.of(dir.resolve("queue"), DENIED)).isEqualTo(SocketPath.DENIED);
    }

    @Test
    void aSocketThisUserMayNotReachPausesDeliverySayingSoNotThatWazuhIsDown() {
        Path path = dir.resolve("queue");
        try (WazuhQueue queue = new WazuhQueue(path, new ResendWindow(ResendWindow.Bound.DEFAULT), () -> { },
                () -> { }, System::nanoTime, channel -> { }, DENIED)) {
            assertThatThrownBy(() -> queue.send("1:Wazuh-Docker:{}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(AlertSink.SinkUnavailableException.class)
                    .hasMessageContaining("permission denied")
                    .hasMessageContaining(path.toString())
                    .hasMessageContaining("user " + System.getProperty("user.name"))
                    .hasMessageContaining("Wazuh's group")
                    .hasMessageNotContaining("is Wazuh running");
        }
    }

    @Test
    void theCheckSaysPermissionDeniedNotThatTheSocketDoesNotExist() {
        Path path = dir.resolve("queue");
        assertThatThrownBy(() -> ForwarderPreflight.wazuhQueue(path, SocketPath.of(path, DENIED)))
                .hasMessageContaining("permission denied").hasMessageContaining(path.toString())
                .hasMessageContaining("Wazuh's group").hasMessageNotContaining("does not exist");
        assertThatThrownBy(() -> ForwarderPreflight.wazuhQueue(path, SocketPath.of(path)))
                .hasMessageContaining("does not exist");
    }
}
