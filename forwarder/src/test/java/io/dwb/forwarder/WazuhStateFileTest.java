package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state files of Wazuh's daemons lie in a directory the wazuh group writes, and the forwarder may read them as
 * root (the wodle): what agentd's and analysisd's gates read through this class is never read through a link, and a
 * FIFO put there never holds delivery.
 */
class WazuhStateFileTest {
    @TempDir
    Path dir;

    @Test
    void aRegularFileIsReadAsKeyValueLines() throws IOException {
        Path file = Files.writeString(dir.resolve("wazuh-analysisd.state"),
                "# State file\nevent_queue_usage='0.25'\nevents_dropped='7'\n");
        WazuhStateFile state = new WazuhStateFile(file, "test-state-reader");
        try {
            assertThat(state.values()).isEqualTo(Map.of("event_queue_usage", "0.25", "events_dropped", "7"));
        } finally {
            state.close();
        }
    }

    /** Bytes that are not UTF-8 are not a daemon's file: unreadable, not read as text with stand-ins. */
    @Test
    void bytesThatAreNotUtf8AreNotRead() throws IOException {
        Path file = Files.write(dir.resolve("wazuh-analysisd.state"),
                "event_queue_usage='\u00ff'\n".getBytes(StandardCharsets.ISO_8859_1));
        WazuhStateFile state = new WazuhStateFile(file, "test-state-reader");
        try {
            assertThatThrownBy(state::values).isInstanceOf(CharacterCodingException.class);
        } finally {
            state.close();
        }
    }

    /**
     * A FIFO renamed over the file between the look (a regular file) and the open: Java opens none without waiting
     * for a writer, so the reading waits on a thread of its own and the caller a second at most; the daemon's next
     * write (a regular file renamed in) is read again. Before (analysisd's gate), the delivery thread blocked in the
     * open until someone wrote to the FIFO; then one such FIFO kept every later reading from the file for good.
     */
    @Test
    void aFifoRenamedOverTheFileAfterItsLookDoesNotHoldTheReader() throws Exception {
        Path file = Files.writeString(dir.resolve("wazuh-analysisd.state"), "event_queue_usage='0.25'\n");
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        WazuhStateFile state = new WazuhStateFile(file, "test-state-reader");
        try {
            state.modifiedMillis(); // the look: a regular file
            Files.move(fifo, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            assertTimeoutPreemptively(Duration.ofSeconds(3), () -> assertThatThrownBy(state::bytes)
                    .isInstanceOf(IOException.class).hasMessageContaining("was not read within"));
            Path held = dir.resolve("held-fifo");
            Files.move(file, held, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(dir.resolve("next"), "event_queue_usage='0.50'\n");
            Files.move(dir.resolve("next"), file, StandardCopyOption.ATOMIC_MOVE); // the daemon's next write

            Map<String, String> next = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> state.values());
            assertThat(next).containsEntry("event_queue_usage", "0.50");
            // the reading thread left in the FIFO's open ends once a writer comes (and, interrupted, closes its end:
            // the write may find no reader)
            try (var writer = Files.newOutputStream(held)) {
                writer.write('\n');
            } catch (IOException brokenPipe) {
                // released all the same
            }
        } finally {
            state.close();
        }
    }

    /**
     * A file read whole (client.keys) is refused past its bound, at the look and at the read (grown, or renamed in,
     * after the look), not cut: a part of it is not the file. A state file is still read to its first 64 KiB.
     */
    @Test
    void aFileReadWholeIsRefusedPastItsBoundNotCut() throws IOException {
        Path file = Files.writeString(dir.resolve("client.keys"), "0123456789");
        WazuhStateFile whole = WazuhStateFile.whole(file, "test-reader", 10);
        try {
            assertThat(whole.attributes().size()).isEqualTo(10);
            assertThat(whole.bytes()).asString().isEqualTo("0123456789");
            Files.writeString(file, "0123456789a"); // after the look
            assertThatThrownBy(whole::bytes).isInstanceOf(WazuhStateFile.TooLarge.class)
                    .hasMessage(file + " is 11 bytes, more than the 10 read of it: not read");
            assertThatThrownBy(whole::attributes).isInstanceOf(WazuhStateFile.TooLarge.class);
        } finally {
            whole.close();
        }
        Files.writeString(file, "event_queue_usage='0.25'\n" + "#".repeat(WazuhStateFile.MAX_BYTES));
        WazuhStateFile state = new WazuhStateFile(file, "test-state-reader");
        try {
            assertThat(state.bytes()).hasSize(WazuhStateFile.MAX_BYTES);
            assertThat(state.values()).containsEntry("event_queue_usage", "0.25");
        } finally {
            state.close();
        }
    }

    @Test
    void aLinkIsNotFollowed() throws IOException {
        Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "event_queue_usage='0.90'\n");
        Path file = Files.createSymbolicLink(dir.resolve("wazuh-analysisd.state"), elsewhere);
        WazuhStateFile state = new WazuhStateFile(file, "test-state-reader");
        try {
            assertThatThrownBy(state::modifiedMillis).isInstanceOf(WazuhStateFile.NotRegularFile.class);
            assertThatThrownBy(state::bytes).isInstanceOf(IOException.class); // O_NOFOLLOW: ELOOP
        } finally {
            state.close();
        }
    }
}
