package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.runtime.Launcher;
import io.dwb.schemas.testing.LogLines;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory on a full disk (Docker's images and logs fill hosts' disks): before, the embedded broker started,
 * or tried to, and Kafka ended the process at its first write (exit 1, its own traces: an InternalError from a
 * memory-mapped index at a start on a full tmpfs), restarted for ever. Now the start is refused in one line that
 * says how much is free and what to do, before anything is written. Real file systems: tmpfs mounts of a few MiB.
 */
class DataDirSpaceTest {
    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines logged = LogLines.of(DataDirSpace.class);

    @Test
    void aStartOnAFullFileSystemIsRefusedInOneLineAndWritesNothing() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 8L << 20)) {
            disk.fillLeaving(1L << 20);
            Path data = disk.root().resolve("data");

            String ran = Commands.standalone("--data-dir", data.toString(), "--wazuh-queue", "-",
                    "--kafka-port", "0");

            assertThat(ran).startsWith(Launcher.EXIT_FAILURE + ": ")
                    .contains("error: the file system of " + disk.root() + " has 1.0 MiB free, less than the 64.0 MiB")
                    .contains("Free space there").contains("move --data-dir")
                    .doesNotContain("Exception").doesNotContain("InternalError");
            assertThat(data).as("nothing written").doesNotExist();
        }
    }

    /**
     * The disk full of the broker's own logs (sized for --retention-bytes, over it by a segment and the other topics):
     * only a running broker's retention shrinks them, so a refusal would be for good. The refusal says to lower
     * --retention-bytes below what the logs take, and a start with that goes on, warned.
     */
    @Test
    void aDiskFullOfTheBrokersOwnLogsStartsOnceRetentionIsBelowThem() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 80L << 20)) {
            Path data = disk.root().resolve("data");
            Path logs = Files.createDirectories(data.resolve("kafka"));
            Files.write(logs.resolve("segments"), new byte[70 << 20]); // the logs, as far as the file system knows

            assertThat(Commands.standalone("--data-dir", data.toString(), "--wazuh-queue", "-", "--kafka-port", "0"))
                    .startsWith(Launcher.EXIT_FAILURE + ": ").contains("error: the file system of " + data + " has ")
                    .contains("lower --retention-bytes below what the broker's logs take there (70.0 MiB)");

            String ran = Commands.standalone("--data-dir", data.toString(), "--wazuh-queue", "-", "--kafka-port",
                    "0", "--retention-bytes", String.valueOf(32L << 20));
            assertThat(ran).as("started: on to the engine, which is nowhere")
                    .contains("error: the listener failed: cannot reach the Docker engine");
            assertThat(logged.messages(Level.WARN)).singleElement().asString()
                    .contains("the embedded broker's logs take 70.0 MiB, over --retention-bytes 32.0 MiB: starting");
        }
    }

    /**
     * A broker halted by the full disk leaves its active segments' indexes as Kafka made them, 10 MiB files that take
     * no block (sparse; trimmed only at a roll or an orderly close): counted at their length, three topics' indexes
     * were 60 MiB of logs over a lowered retention, and the start went on, to halt at its first write.
     */
    @Test
    void theSparseIndexesOfAHaltedBrokerAreNotTakenForItsLogs() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 16L << 20)) {
            Path data = disk.root().resolve("data");
            for (String topic : List.of("docker-events-0", "docker-events-checkpoints-0", "__consumer_offsets-0")) {
                Path segment = Files.createDirectories(data.resolve("kafka").resolve(topic));
                Files.write(segment.resolve("00000000000000000000.log"), new byte[1 << 20]);
                for (String index : List.of("00000000000000000000.index", "00000000000000000000.timeindex")) {
                    try (RandomAccessFile file = new RandomAccessFile(segment.resolve(index).toFile(), "rw")) {
                        file.setLength(10L << 20); // as Kafka's AbstractIndex makes an active segment's
                    }
                }
            }
            disk.fillLeaving(1L << 20);

            String ran = Commands.standalone("--data-dir", data.toString(), "--wazuh-queue", "-", "--kafka-port",
                    "0", "--retention-bytes", String.valueOf(32L << 20));

            assertThat(ran).startsWith(Launcher.EXIT_FAILURE + ": ").contains("error: the file system of " + data
                    + " has 1.0 MiB free").contains("below what the broker's logs take there (3.0 MiB)");
            assertThat(logged.messages(Level.WARN)).isEmpty();
        }
    }

    @Test
    void aFileSystemThatCannotHoldTheRetentionIsAWarningAndTheBrokerStarts() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 96L << 20)) {
            Path data = disk.root().resolve("data");

            String ran = Commands.standalone("--data-dir", data.toString(), "--wazuh-queue", "-",
                    "--kafka-port", "0");

            assertThat(ran).as("the start went on to the engine, which is nowhere")
                    .contains("error: the listener failed: cannot reach the Docker engine");
            assertThat(data.resolve("kafka/meta.properties")).as("the broker started").exists();
            assertThat(logged.messages(Level.WARN)).singleElement().asString()
                    .contains("the file system of " + disk.root() + " has ").contains(" free")
                    .contains("--retention-bytes 1024.0 MiB").contains("lower --retention-bytes");
        }
    }
}
