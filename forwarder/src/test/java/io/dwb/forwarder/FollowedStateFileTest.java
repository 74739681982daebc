package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Logger;
import io.dwb.schemas.testing.LogLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The following of a Wazuh daemon's state file that the agent's gate and analysisd's share: read at most once a
 * second, nothing to go by while it is missing, unreadable or stale, each said once, and followed again once written.
 * The rule here refuses with the file's {@code hold} value.
 */
class FollowedStateFileTest {
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path dir;
    private Path file;
    private long now;
    /** The wall clock the following sees, and each write's modification time (a second apart). */
    private long wall = 1_800_000_000_000L;
    private final List<WazuhStateFile.Reading> readings = new ArrayList<>();
    private final List<IOException> unreadable = new ArrayList<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(FollowedStateFileTest.class);
    @RegisterExtension
    final LogLines logged = LogLines.of(FollowedStateFileTest.class);
    private final Fifos fifos = new Fifos();
    private WazuhStateFile stateFile;

    @BeforeEach
    void nameTheStateFile() {
        file = dir.resolve("testd.state");
    }

    @AfterEach
    void release() throws IOException {
        fifos.release();
        if (stateFile != null) {
            stateFile.close();
        }
    }

    @Test
    void aReadingHoldsForASecond() throws Exception {
        write("hold='full'\n");
        FollowedStateFile followed = followed();
        assertThatThrownBy(followed::admit).isInstanceOf(AlertSink.SinkUnavailableException.class)
                .hasMessage("full");
        write("hold=''\n");
        now += SECOND / 2;
        assertThatThrownBy(followed::admit).as("read again at most once a second")
                .isInstanceOf(AlertSink.SinkUnavailableException.class);
        now += SECOND / 2;
        followed.admit();
        assertThat(readings).hasSize(2);
        assertThat(logged.lines()).isEmpty();
    }

    /** The daemon not started yet: nothing to go by, said once (in the gate's words); followed once written. */
    @Test
    void aMissingFileSaysNothingUntilWritten() throws Exception {
        FollowedStateFile followed = followed();
        followed.admit();
        now += SECOND;
        followed.admit();
        assertThat(unreadable).singleElement().isInstanceOf(NoSuchFileException.class);
        assertThat(readings).containsExactly(null, null);
        write("hold='full'\n");
        now += SECOND;
        assertThatThrownBy(followed::admit).hasMessage("full");
        assertThat(logged.lines()).containsExactly("INFO delivery follows testd's state (" + file + ") again");
    }

    /**
     * The daemon never removes its state file: one left saying to wait (the daemon stopped, its state interval set to
     * 0 since) held delivery for ever. Not written for two minutes, it says nothing, said once; written again, it is
     * followed.
     */
    @Test
    void aStaleFileIsNotGoneBy() throws Exception {
        write("hold='full'\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(wall - FollowedStateFile.STALE_AFTER_MILLIS - 10_000));
        FollowedStateFile followed = followed();
        followed.admit();
        now += SECOND;
        followed.admit();
        assertThat(logged.lines()).containsExactly("WARN testd's state (" + file + ") was last written 130 s ago: "
                + "delivery no longer follows it until testd writes it again (testd stopped, or its "
                + "testd.state_interval is over 120 s)");
        write("hold='full'\n"); // written again
        now += SECOND;
        assertThatThrownBy(followed::admit).hasMessage("full");
        assertThat(logged.lines()).hasSize(2).last()
                .isEqualTo("INFO delivery follows testd's state (" + file + ") again");
        assertThat(unreadable).isEmpty();
    }

    /** A stale file is only looked at: said stale even when it could not be read (here, bytes that are not UTF-8). */
    @Test
    void aStaleFileIsNotRead() throws Exception {
        Files.write(file, "hold='\u00ff'\n".getBytes(StandardCharsets.ISO_8859_1));
        Files.setLastModifiedTime(file, FileTime.fromMillis(wall - FollowedStateFile.STALE_AFTER_MILLIS - 10_000));
        FollowedStateFile followed = followed();
        followed.admit();
        assertThat(logged.lines()).singleElement().asString().contains("was last written 130 s ago");
        assertThat(unreadable).isEmpty();
        Files.setLastModifiedTime(file, FileTime.fromMillis(wall));
        now += SECOND;
        followed.admit();
        assertThat(unreadable).singleElement().isInstanceOf(CharacterCodingException.class);
    }

    /** A gate that said at its start that the file cannot be read does not hear it said again. */
    @Test
    void whatTheGateSaidAtItsStartIsNotSaidAgain() throws Exception {
        FollowedStateFile followed = followed();
        followed.saidUnreadable();
        followed.admit();
        assertThat(unreadable).isEmpty();
        write("hold=''\n");
        now += SECOND;
        followed.admit();
        assertThat(logged.lines()).containsExactly("INFO delivery follows testd's state (" + file + ") again");
    }

    /**
     * A FIFO renamed over the state file between the look at it and its open: Java opens none without waiting for a
     * writer, so the reading waits on a thread of its own, and delivery only {@link
     * WazuhStateFile#READ_WITHIN_MILLIS}, once. The wall clock, read between the look and the open, stands in for the
     * race, won every time.
     */
    @Test
    void aFifoRenamedOverTheFileAfterItsLookDoesNotHoldDelivery() throws Exception {
        Path fifo = fifos.make(dir.resolve("fifo"));
        write("hold='full'\n");
        FollowedStateFile followed = followed(() -> {
            try {
                if (Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(fifo, file, StandardCopyOption.ATOMIC_MOVE);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return wall;
        });
        assertTimeoutPreemptively(Duration.ofSeconds(3), followed::admit, "the first reading");
        now += SECOND;
        assertTimeoutPreemptively(Duration.ofMillis(500), followed::admit, "while it still waits");
        assertThat(unreadable).singleElement().satisfies(e -> assertThat(e).hasMessageContaining(
                "was not read within"));

        // Once that reading ends (a writer came), the daemon's file is followed again.
        Fifos.release(file);
        Files.delete(file);
        write("hold='full'\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            now += SECOND;
            assertThatThrownBy(followed::admit).hasMessage("full");
        });
    }

    private FollowedStateFile followed() {
        return followed(() -> wall);
    }

    private FollowedStateFile followed(LongSupplier wallMillis) {
        stateFile = new WazuhStateFile(file, "test-state-reader");
        return new FollowedStateFile(stateFile, new FollowedStateFile.Lines(logger, "testd's state", "testd", "testd"),
                unreadable::add, (state, at) -> {
                    readings.add(state);
                    String hold = state == null ? null : state.values().get("hold");
                    return hold == null || hold.isEmpty() ? null
                            : new Refusal(Refusal.Hold.ANALYSISD_QUEUE_FILLING, hold);
                }, () -> now, wallMillis);
    }

    /** Written as a daemon does (a whole new file), a second after the last write. */
    private void write(String text) throws IOException {
        wall += 1000;
        Path temp = dir.resolve("testd.state.temp");
        Files.writeString(temp, text);
        Files.setLastModifiedTime(temp, FileTime.fromMillis(wall));
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
