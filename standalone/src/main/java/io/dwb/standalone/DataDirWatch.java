package io.dwb.standalone;

import io.dwb.standalone.DataDirSpace.Reading;
import io.dwb.standalone.DataDirSpace.Room;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data dir's free space while the embedded broker runs, looked at every {@link #EVERY}: the start's check
 * ({@link DataDirSpace#check}) says what a start finds, but Docker fills a host's disk while the bridge runs (images
 * pulled, containers' logs), and the broker then halted the process at its first write that found the disk full with
 * nothing said before. A WARN when the file system can no longer hold what {@code --retention-bytes} lets the logs grow
 * to, another when it has under {@link DataDirSpace#START_FLOOR} free; an INFO when it has room again, by
 * {@link #MARGIN} more than the bound, so that free space going to and fro across a bound makes no line at each look.
 * Only what changed is said. A Prometheus user has the same from node_exporter's {@code node_filesystem_avail_bytes}.
 */
final class DataDirWatch implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataDirWatch.class);
    /** How often the free space is read: a busy host writes a few MiB of events in that time. */
    static final Duration EVERY = Duration.ofSeconds(10);
    /** How much past a bound the free space must be for a better room to be said. */
    static final long MARGIN = 16L << 20;

    private final Path dataDir;
    private final long retentionBytes;
    private final ScheduledExecutorService thread;
    /** The room last said (at start, by the start's check). */
    private Room said;
    /** The last look failed to read the file system: said once, until a look reads it again. */
    private boolean unreadable;

    /** Looks only when {@link #look} is called, from {@code atStart}. */
    DataDirWatch(Path dataDir, long retentionBytes, Room atStart) {
        this(dataDir, retentionBytes, atStart, null);
    }

    private DataDirWatch(Path dataDir, long retentionBytes, Room atStart, ScheduledExecutorService thread) {
        this.dataDir = dataDir;
        this.retentionBytes = retentionBytes;
        this.said = atStart;
        this.thread = thread;
    }

    /**
     * Looks once now (the broker's start, a log recovery of minutes, wrote since the start's check), then every
     * {@link #EVERY} on a daemon thread of its own, from what the start's check found.
     */
    static DataDirWatch start(Path dataDir, long retentionBytes, Room atStart) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "data-dir-watch");
            t.setDaemon(true);
            return t;
        });
        DataDirWatch watch = new DataDirWatch(dataDir, retentionBytes, atStart, thread);
        watch.look();
        thread.scheduleWithFixedDelay(watch::look, EVERY.toMillis(), EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Reads the free space once and says what changed. */
    synchronized void look() {
        Reading reading;
        try {
            reading = Reading.of(dataDir);
        } catch (RuntimeException e) {
            if (!unreadable) {
                log.warn("cannot read how much the file system of {} has free: {}", dataDir, e.getMessage());
            }
            unreadable = true;
            return; // a failure must not end the scheduled looks
        }
        unreadable = false;
        Room now = reading.room(retentionBytes);
        if (level(now) > level(said)) {
            log.warn(now.nearlyFull() ? nearlyFull(reading) : reading.shortOfRetention(retentionBytes));
            said = now;
            return;
        }
        Room surely = reading.lessFree(MARGIN).room(retentionBytes);
        if (level(surely) < level(said)) {
            log.info("the file system of {} has {} free again: {}", reading.fileSystemOf(),
                    DataDirSpace.mib(reading.free()), surely == Room.ENOUGH
                            ? "room for the embedded broker's logs to grow to --retention-bytes "
                            + DataDirSpace.mib(retentionBytes)
                            : "no longer nearly full, but short of what --retention-bytes "
                            + DataDirSpace.mib(retentionBytes) + " lets the embedded broker's logs ("
                            + DataDirSpace.mib(reading.logs()) + " now) grow to");
            said = surely;
        }
    }

    /** The room last said. */
    synchronized Room said() {
        return said;
    }

    private String nearlyFull(Reading reading) {
        return "the file system of " + reading.fileSystemOf() + " has " + DataDirSpace.mib(reading.free())
                + " free, less than " + DataDirSpace.mib(DataDirSpace.START_FLOOR) + ": the embedded broker halts the "
                + "process (exit 1) at the first write that finds it full, and a start is refused until there is "
                + "room (unless the broker's logs are over --retention-bytes); events the engine no longer holds then "
                + "are reported as a gap. Free space there (docker system df shows what Docker holds), or lower "
                + "--retention-bytes below what the broker's logs take (" + DataDirSpace.mib(reading.logs())
                + ") at the next start";
    }

    /** Nearly full (either way) is one level: both halt at the disk's last bytes. */
    private static int level(Room room) {
        return room.nearlyFull() ? 2 : room == Room.SHORT_OF_RETENTION ? 1 : 0;
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}
