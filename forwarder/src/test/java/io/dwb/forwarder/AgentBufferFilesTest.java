package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's internal options files, which decide whether its agent.conf counts (the wazuh group may write its
 * etc): a FIFO held the forwarder's start for good in its read, and a huge file ran the heap out. Each is passed
 * over as unreadable now, as a missing one is (agentd's default: remote configuration on).
 */
class AgentBufferFilesTest {
    @TempDir
    Path etc;

    @Test
    void aFifoOrAHugeFileAsAnInternalOptionsFileIsPassedOver() throws Exception {
        Files.writeString(etc.resolve("internal_options.conf"), "agent.remote_conf=0\n");
        assertThat(AgentBuffer.remoteConf(etc)).as("the file that decides").isFalse();

        Path local = etc.resolve("local_internal_options.conf");
        new ProcessBuilder("mkfifo", local.toString()).inheritIO().start().waitFor();
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThat(AgentBuffer.remoteConf(etc))
                .as("a FIFO: the next file decides").isFalse());

        Files.delete(local);
        Files.write(local, ("agent.remote_conf=1\n" + "#".repeat(5 << 20)).getBytes());
        assertThat(AgentBuffer.remoteConf(etc)).as("a huge one: the next file decides").isFalse();
    }
}
