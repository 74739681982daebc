package io.dwb.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
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
     *
     * @return the room found, as said: where the {@link DataDirWatch} starts from
     */
    static Room check(Path dataDir, long retentionBytes) {
        Reading reading = Reading.of(dataDir);
        Room room = reading.room(retentionBytes);
        switch (room) {
            case OVER_RETENTION -> log.warn("the file system of {} has {} free, and the embedded broker's logs take "
                    + "{}, over --retention-bytes {}: starting, so that its retention deletes the oldest (within "
                    + "minutes); it halts the process if the disk fills first", reading.fileSystemOf(),
                    mib(reading.free()), mib(reading.logs()), mib(retentionBytes));
            case NEARLY_FULL -> throw new IllegalStateException("the file system of " + reading.fileSystemOf()
                    + " has " + mib(reading.free()) + " free, less than the " + mib(START_FLOOR) + " the embedded "
                    + "Kafka broker needs to start: it halts the process at the first write that finds the disk full. "
                    + "Free space there (docker system df shows what Docker holds), move --data-dir to another file "
                    + "system, or lower --retention-bytes below what the broker's logs take there ("
                    + mib(reading.logs()) + ") so that a start deletes the oldest; started again, it resumes where "
                    + "it stopped");
            case SHORT_OF_RETENTION -> log.warn(reading.shortOfRetention(retentionBytes));
            case ENOUGH -> { }
        }
        return room;
    }

    /** How the data dir's file system stands for the broker's logs, from room enough to nearly full. */
    enum Room {
        /** It holds what {@code --retention-bytes} lets the logs grow to, and {@link #START_FLOOR} more. */
        ENOUGH,
        /** It cannot hold what {@code --retention-bytes} lets the logs grow to: the broker halts if it fills first. */
        SHORT_OF_RETENTION,
        /** Under {@link #START_FLOOR} free, but the broker's logs are over the retention, which deletes the oldest. */
        OVER_RETENTION,
        /** Under {@link #START_FLOOR} free: the broker halts at its next writes (minutes, on a busy host). */
        NEARLY_FULL;

        /** Under {@link #START_FLOOR} free, whatever the logs take. */
        boolean nearlyFull() {
            return this == OVER_RETENTION || this == NEARLY_FULL;
        }
    }

    /**
     * The free bytes of the data dir's file system (of its nearest existing parent, before the first start), and the
     * bytes of the broker's logs in it ({@link #size}: without their sparse indexes).
     */
    record Reading(Path fileSystemOf, long free, long logs) {
        static Reading of(Path dataDir) {
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
            return new Reading(existing, free, size(dataDir.resolve("kafka")));
        }

        Room room(long retentionBytes) {
            if (free < START_FLOOR) {
                // The broker's own logs over what it keeps: its retention deletes the oldest once it runs, the only
                // way they ever shrink (a refusal to start would be for good)
                return logs > retentionBytes ? Room.OVER_RETENTION : Room.NEARLY_FULL;
            }
            return free + logs < retentionBytes + START_FLOOR ? Room.SHORT_OF_RETENTION : Room.ENOUGH;
        }

        /** This reading, {@code bytes} less free (to say a better room only once it holds by that much). */
        Reading lessFree(long bytes) {
            return new Reading(fileSystemOf, free - bytes, logs);
        }

        String shortOfRetention(long retentionBytes) {
            return "the file system of " + fileSystemOf + " has " + mib(free) + " free, and the embedded broker's "
                    + "logs (" + mib(logs) + " now) may grow to --retention-bytes " + mib(retentionBytes)
                    + " and more: when the disk fills, the broker halts the process (exit 1). Free space there, or "
                    + "lower --retention-bytes";
        }
    }

    /**
     * The bytes of the files under {@code dir}, but the offset and time indexes; 0 when it does not exist. Kafka
     * makes each active segment's two indexes 10 MiB files, sparse, and trims them only at a segment's roll or an
     * orderly close: after a halt (a full disk's) five topics' indexes added 100 MiB that took no block, a start on a
     * full disk was taken for logs over the retention, and a file system short of it was not. An index holds 8 or 12
     * bytes a 4 KiB of log: leaving them out counts half a percent less. A file gone while it is walked (the running
     * broker rewrites its checkpoints every few seconds and deletes old segments) is passed over: a walk that ended
     * there counted no logs at all, and the watch warned of a file system short of the retention, then took it back.
     */
    private static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long[] bytes = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && !index(file)) {
                        bytes[0] += attributes.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // gone meanwhile, or not readable: the broker says so itself
                }
            });
        } catch (IOException e) {
            return bytes[0]; // the walk's own failure: what it counted
        }
        return bytes[0];
    }

    private static boolean index(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(".index") || name.endsWith(".timeindex");
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }
}
