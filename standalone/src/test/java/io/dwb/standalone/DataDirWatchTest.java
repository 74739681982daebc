package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.dwb.schemas.testing.LogLines;
import io.dwb.standalone.DataDirSpace.Room;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A disk that fills while the standalone runs (Docker's images and containers' logs beside it): the broker halts the
 * process at its first write that finds it full, and before, nothing was said until then. Real file systems: tmpfs
 * mounts, filled and emptied between the watch's looks.
 */
class DataDirWatchTest {
    private static final long RETENTION = 64L << 20;

    @TempDir
    Path dir;
    @RegisterExtension
    final LogLines logged = LogLines.of(DataDirWatch.class);

    @Test
    void aDiskFillingWhileTheBrokerRunsIsWarnedOfTwiceBeforeItIsFullAndSaidWhenItHasRoomAgain() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 256L << 20)) {
            Path data = disk.root().resolve("data");
            Files.write(Files.createDirectories(data.resolve("kafka")).resolve("segment.log"), new byte[8 << 20]);
            DataDirWatch watch = new DataDirWatch(data, RETENTION, Room.ENOUGH);

            watch.look();
            assertThat(logged.lines()).as("room for the retention").isEmpty();

            disk.fillLeaving(100L << 20);
            watch.look();
            watch.look();
            assertThat(logged.lines()).as("short of what the retention lets the logs grow to, said once")
                    .singleElement().asString().startsWith("WARN the file system of " + data + " has ")
                    .contains("the embedded broker's logs (8.0 MiB now) may grow to --retention-bytes 64.0 MiB");

            disk.fillLeaving(40L << 20);
            watch.look();
            watch.look();
            assertThat(logged.lines()).as("nearly full, said once").hasSize(2).last().asString()
                    .startsWith("WARN the file system of " + data + " has ")
                    .contains("free, less than 64.0 MiB: the embedded broker halts the process (exit 1)")
                    .contains("docker system df");

            Files.delete(disk.root().resolve("filler"));
            watch.look();
            assertThat(logged.lines()).as("room again").hasSize(3).last().asString()
                    .startsWith("INFO the file system of " + data + " has ")
                    .endsWith("free again: room for the embedded broker's logs to grow to --retention-bytes 64.0 MiB");
            assertThat(watch.said()).isEqualTo(Room.ENOUGH);
        }
    }

    /** Free space that goes to and fro across a bound (segments deleted, written) makes no line at each look. */
    @Test
    void roomAgainIsSaidOnlyOnceItHoldsByAMargin() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 256L << 20)) {
            Path data = Files.createDirectories(disk.root().resolve("data"));
            DataDirWatch watch = new DataDirWatch(data, RETENTION, Room.NEARLY_FULL);

            disk.fillLeaving(70L << 20); // over the 64 MiB floor, by less than the margin
            watch.look();
            assertThat(logged.lines()).isEmpty();
            assertThat(watch.said()).isEqualTo(Room.NEARLY_FULL);

            disk.fillLeaving(90L << 20); // past the floor by the margin, short of the retention's 128 MiB
            watch.look();
            assertThat(logged.lines()).singleElement().asString().startsWith("INFO ")
                    .contains("no longer nearly full, but short of what --retention-bytes 64.0 MiB lets");
            assertThat(watch.said()).isEqualTo(Room.SHORT_OF_RETENTION);
        }
    }

    /**
     * The standalone looks at its start, once the broker runs (its start writes: a log recovery may take minutes),
     * then every 10 s: here the broker's start leaves the disk nearly full.
     */
    @Test
    void theStandaloneLooksOnceItsBrokerStarted() throws Exception {
        try (SmallFileSystem disk = SmallFileSystem.mount(dir.resolve("disk"), 256L << 20)) {
            Path data = disk.root().resolve("data");
            StopRequestingBroker broker = new StopRequestingBroker(disk);
            StandaloneCommand command = new StandaloneCommand(UnaryOperator.identity(), broker::handler,
                    settings -> { }, broker::start);
            new CommandLine(command).parseArgs("--data-dir", data.toString(), "--wazuh-queue", "-",
                    "--retention-bytes", String.valueOf(RETENTION));

            assertThat(command.call()).isZero();
            assertThat(logged.lines()).singleElement().asString().startsWith("WARN the file system of "
                    + disk.root() + " has ").contains("free, less than 64.0 MiB");
        }
    }

    /** A broker whose start fills the disk and asks the stop (so that the command returns at once). */
    private static final class StopRequestingBroker extends NoBroker {
        private final SmallFileSystem disk;
        private Runnable stop;

        StopRequestingBroker(SmallFileSystem disk) {
            this.disk = disk;
        }

        void handler(Runnable stop) {
            this.stop = stop;
        }

        StopRequestingBroker start(Path dataDir, BrokerPorts.ClientPort port,
                                   BooleanSupplier stopRequested) {
            try {
                disk.fillLeaving(20L << 20);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            stop.run();
            return this;
        }
    }
}
