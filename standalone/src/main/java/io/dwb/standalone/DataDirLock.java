package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One standalone per data directory: an exclusive lock on {@code <data dir>/.standalone.lock} (a file Kafka never
 * opens), taken before anything in the directory is read or written (the broker's storage, its credentials, its
 * format) and held until the broker has stopped. Kafka's own lock ({@code kafka/.lock}) is no such guard: its broker
 * takes it as it starts, after the controller already runs on the metadata log, so a second process got that far
 * (and, on a new directory, wrote credentials and formatted) before it failed. Released by {@link #close()}, or by
 * the system when the process ends, however it ends.
 *
 * <p>The directory must also be the running user's: root starting on the service user's directory (the wodle
 * launcher, say, which runs as root) would leave files there that the service can no longer open.
 */
final class DataDirLock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataDirLock.class);
    static final String FILE_NAME = ".standalone.lock";
    private static final Pattern EFFECTIVE_UID = Pattern.compile("(?m)^Uid:\\s+\\d+\\s+(\\d+)");
    /**
     * The data directories (real paths) this JVM holds. A second attempt here is refused from this set, never by
     * opening the file again: closing any descriptor of a file drops every POSIX lock the process holds on it (the
     * {@link FileLock} contract warns of it), which would have freed the first holder's lock for other processes.
     */
    private static final Set<Path> HELD = new HashSet<>();

    private final Path dir;
    private final FileChannel channel;
    private boolean closed;

    private DataDirLock(Path dir, FileChannel channel) {
        this.dir = dir;
        this.channel = channel;
    }

    /**
     * How long a start waits for another process to let go of the directory: a wodle's stop, which wazuh-modulesd
     * kills {@link StopBudget#MODULESD_KILL_TIMEOUT} after its SIGTERM, and a margin. An agent's restart starts the
     * wodle again without waiting for the last one to end (nor does systemd: the agent's unit has
     * {@code KillMode=process}): refused at once, the new one exited 1 and {@code wm_docker} tried again only a whole
     * {@code <interval>} later, capture and delivery stopped meanwhile.
     */
    static final Duration WAIT = StopBudget.MODULESD_KILL_TIMEOUT.plusSeconds(5);
    private static final long POLL_NANOS = Duration.ofMillis(100).toNanos();

    /**
     * Checks that {@code dataDir} (created mode 0700 when missing) is the running user's, then locks it, waiting up
     * to {@code wait} while another process holds it (saying so once). Held by this JVM, refused at once.
     *
     * @param stopRequested checked while waiting: true ends the wait
     * @param nanoClock     monotonic nanoseconds ({@code System::nanoTime})
     * @throws ConfigurationError    it is another user's (exit 2: a restart would not change that)
     * @throws IllegalStateException another standalone holds it (still, after {@code wait}), or it cannot be locked
     * @throws StoppedWaiting        a stop was requested while another process held it
     */
    static DataDirLock acquire(Path dataDir, Duration wait, BooleanSupplier stopRequested, LongSupplier nanoClock) {
        requireRunningUsersOwn(dataDir);
        PrivateFiles.directory(dataDir);
        Path file = dataDir.resolve(FILE_NAME);
        Path real;
        try {
            real = dataDir.toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the data directory " + dataDir + ": " + e.getMessage(), e);
        }
        long start = nanoClock.getAsLong();
        boolean waiting = false;
        while (true) {
            DataDirLock lock = tryAcquire(dataDir, real, file);
            if (lock != null) {
                if (waiting) {
                    log.info("the other standalone let go of the data directory {}: starting", dataDir);
                }
                return lock;
            }
            if (stopRequested.getAsBoolean()) {
                throw new StoppedWaiting();
            }
            if (nanoClock.getAsLong() - start >= wait.toNanos()) {
                throw inUse(dataDir);
            }
            if (!waiting) {
                waiting = true;
                log.info("the data directory {} is in use by another standalone process: waiting up to {} s for it "
                        + "to stop (the last one still stopping, as after an agent's restart)", dataDir,
                        wait.toSeconds());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** The lock, or null when another process holds it; refused at once when this JVM holds it. */
    private static DataDirLock tryAcquire(Path dataDir, Path real, Path file) {
        synchronized (HELD) {
            if (HELD.contains(real)) {
                throw inUse(dataDir);
            }
            requireOwnRegularFile(file, dataDir);
            FileChannel channel;
            try {
                channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PrivateFiles.FILE));
            } catch (IOException e) {
                throw cannotLock(dataDir, file, e);
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | OverlappingFileLockException e) {
                closeQuietly(channel);
                throw e instanceof IOException io ? cannotLock(dataDir, file, io) : inUse(dataDir);
            }
            if (lock == null) { // another process holds it
                closeQuietly(channel);
                return null;
            }
            HELD.add(real);
            return new DataDirLock(real, channel);
        }
    }

    /** A stop requested while another process held the directory: nothing was read or written, nothing to close. */
    static final class StoppedWaiting extends RuntimeException {
        StoppedWaiting() {
            super("stopped while waiting for the data directory", null, false, false);
        }
    }

    private static IllegalStateException cannotLock(Path dataDir, Path file, IOException e) {
        return new IllegalStateException("cannot lock the data directory " + dataDir + " (" + file + "): "
                + e.getMessage(), e);
    }

    /** Releases the lock (closing its file); once, later calls do nothing. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly(channel); // releases the lock
            HELD.remove(dir);
        }
    }

    /** The line of a start refused because another standalone runs on the directory (exit 1, as before). */
    static IllegalStateException inUse(Path dataDir) {
        return new IllegalStateException("the data directory " + dataDir + " is in use by another standalone "
                + "process; stop it, or give this one another --data-dir");
    }

    /**
     * Refuses an existing {@code dataDir} (followed when it is a link: the operator chose where the data lives) whose
     * owner is not the effective user of this process. Unchecked where the system does not say who that is (no
     * /proc/self/status).
     */
    static void requireRunningUsersOwn(Path dataDir) {
        Integer self = effectiveUid();
        if (self == null) {
            return;
        }
        int owner;
        String ownerName;
        try {
            owner = (Integer) Files.getAttribute(dataDir, "unix:uid");
            ownerName = Files.getOwner(dataDir).getName();
        } catch (NoSuchFileException e) {
            return; // made by this start: its own
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot check the owner of the data directory " + dataDir + ": "
                    + e.getMessage(), e);
        }
        if (owner != self) {
            String user = System.getProperty("user.name");
            throw new ConfigurationError("the data directory " + dataDir + " is owned by " + ownerName + ", not by "
                    + user + " who runs this process: run the standalone as " + ownerName + " (the user of its "
                    + "service, when a service runs it), or give it a data directory of its own; nothing there is "
                    + "changed (files " + user + " wrote there could not be opened by " + ownerName + ")");
        }
    }

    /**
     * An existing lock file must be a regular file of this user's, not a link: while the directory was open to
     * others, another user could have put one there (a FIFO would hold the start in its open for good).
     */
    static void requireOwnRegularFile(Path file, Path dataDir) {
        try {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Integer self = effectiveUid();
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || self != null && owner != self) {
                throw new ConfigurationError(file + " is not a regular file of " + System.getProperty("user.name")
                        + "'s (owner " + Files.getOwner(file, LinkOption.NOFOLLOW_LINKS).getName() + "): another "
                        + "user may have put it there while " + dataDir + " was open to them; check it and remove it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot check " + file + ": " + e.getMessage(), e);
        }
    }

    /** The effective user id of this process (Linux), or null when the system does not say. */
    static Integer effectiveUid() {
        try {
            Matcher m = EFFECTIVE_UID.matcher(Files.readString(Path.of("/proc/self/status"),
                    StandardCharsets.UTF_8));
            return m.find() ? Integer.valueOf(m.group(1)) : null;
        } catch (IOException | RuntimeException e) {
            log.debug("no effective user id from /proc/self/status", e);
            return null;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            log.debug("closing the data directory's lock file", e);
        }
    }
}
