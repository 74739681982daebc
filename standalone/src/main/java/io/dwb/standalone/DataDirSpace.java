package io.dwb.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Room for the embedded broker on the data directory's file system, checked before it starts. Kafka halts the process
 * at the first write that finds the disk full ({@code Shutdown broker because all log dirs … have failed}, exit 1),
 * and a start on a full disk then ended in a fault of its own ({@code InternalError: a fault occurred in a recent
 * unsafe memory access operation}, a memory-mapped index it could not grow), exit 1 again, restarted by the units
 * every 10 s with nothing a person could act on. Docker fills disks (images, containers' logs), so this is a host's
 * ordinary trouble.
 */
final class DataDirSpace {
    private static final Logger log = LoggerFactory.getLogger(DataDirSpace.class);
    /**
     * Below this much free, a start is refused: the broker's start writes its checkpoints and the indexes it recovers,
     * and a busy host's minutes of events take megabytes; with less, it would halt soon after starting.
     */
    static final long START_FLOOR = 64L << 20;

    private DataDirSpace() {}

    /**
     * Refuses a start when the file system of {@code dataDir} (or of its nearest existing parent, before the first
     * start) has less than {@link #START_FLOOR} free, with one line: which file system, how much is free, what to do
     * (exit 1, so the units go on restarting it, and it starts once there is room). Not when the broker's own logs
     * take more than {@code retentionBytes}: it starts then, with a WARN, for its retention to delete the oldest.
     * Warns when that file system cannot hold what {@code --retention-bytes} lets the events topic grow to beyond
     * what its log holds now.
     */
    static void check(Path dataDir, long retentionBytes) {
        Path existing = dataDir.toAbsolutePath().normalize();
        while (!Files.exists(existing) && existing.getParent() != null) {
            existing = existing.getParent();
        }
        long free;
        try {
            free = Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the free space of " + existing + ": " + e.getMessage(), e);
        }
        long logs = size(dataDir.resolve("kafka"));
        if (free < START_FLOOR && logs > retentionBytes) {
            // The broker's own logs over what it keeps: its retention deletes the oldest once it runs, the only way
            // they ever shrink (a refusal here would be for good)
            log.warn("the file system of {} has {} free, and the embedded broker's logs take {}, over "
                    + "--retention-bytes {}: starting, so that its retention deletes the oldest (within minutes); it "
                    + "halts the process if the disk fills first", existing, mib(free), mib(logs), mib(retentionBytes));
            return;
        }
        if (free < START_FLOOR) {
            throw new IllegalStateException("the file system of " + existing + " has " + mib(free) + " free, less "
                    + "than the " + mib(START_FLOOR) + " the embedded Kafka broker needs to start: it halts the "
                    + "process at the first write that finds the disk full. Free space there (docker system df "
                    + "shows what Docker holds), move --data-dir to another file system, or lower --retention-bytes "
                    + "below what the broker's logs take there (" + mib(logs) + ") so that a start deletes the "
                    + "oldest; started again, it resumes where it stopped");
        }
        if (free + logs < retentionBytes + START_FLOOR) {
            log.warn("the file system of {} has {} free, and the embedded broker's logs ({} now) may grow to "
                    + "--retention-bytes {} and more: when the disk fills, the broker halts the process (exit 1). "
                    + "Free space there, or lower --retention-bytes", existing, mib(free), mib(logs),
                    mib(retentionBytes));
        }
    }

    /** The bytes of the regular files under {@code dir}; 0 when it does not exist. */
    private static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(DataDirSpace::sizeOf).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0; // the broker's own start says what it cannot read
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0; // gone meanwhile
        }
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
