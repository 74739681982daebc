package io.dwb.forwarder;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Wazuh daemon's state file ({@code <home>/var/run/<daemon>.state}: {@code key='value'} lines, rewritten whole every
 * state interval through a rename), or another file of Wazuh's the forwarder reads from a directory the wazuh group
 * writes (the manager's {@code etc/client.keys}, {@code --agent-keys}: {@link AgentAttribution}). The forwarder may
 * run as root (the wodle): only a regular file is read, never through a link (checked without following, then opened
 * with {@code O_NOFOLLOW}: a link planted there made the forwarder open another file, a device, as root), and a FIFO
 * renamed there between the look and the open does not hold delivery (see {@link #bytes}). At most {@link #MAX_BYTES}
 * of a state file are read (Wazuh's are a few KiB); a file read {@linkplain #whole whole} is refused past its bound.
 * Not thread-safe: the delivery thread reads.
 */
final class WazuhStateFile {
    static final int MAX_BYTES = 64 * 1024;
    /** How long delivery waits for a reading: a regular file's takes well under a millisecond. */
    static final long READ_WITHIN_MILLIS = 1000;
    /**
     * How long delivery waits for a file read {@linkplain #whole whole}: megabytes (a 100,000-agent client.keys is
     * ~10 MB), from a cold cache or a loaded disk; a timeout at start is a refusal of the file.
     */
    static final long WHOLE_READ_WITHIN_MILLIS = 5000;
    /** Reading threads left in a FIFO's open before the file is no longer read at all (each holds one thread). */
    static final int MAX_ABANDONED = 3;

    /** What one reading found: its values, and when it was last written (its look's). */
    record Reading(Map<String, String> values, long modifiedMillis) {
        /** The count {@code key} says; -1 when there is none (empty: agentd's buffer disabled) or it is no number. */
        int count(String key) {
            String value = values.get(key);
            try {
                return value == null || value.isBlank() ? -1 : Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /** The share (0 to 1) {@code key} says; NaN when there is none or it is no number. */
        double share(String key) {
            String value = values.get(key);
            try {
                return value == null ? Double.NaN : Double.parseDouble(value.strip());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    /** Not a regular file (a symbolic link, a directory, a FIFO…): not read. */
    static final class NotRegularFile extends IOException {
        NotRegularFile(Path path) {
            super(path + " is not a regular file (a symbolic link, a directory or a FIFO is not read)");
        }
    }

    /** Larger than a file read {@linkplain #whole whole} may be: not read. */
    static final class TooLarge extends IOException {
        TooLarge(Path path, long size, int maxBytes) {
            super(path + " is " + size + " bytes, more than the " + maxBytes + " read of it: not read");
        }
    }

    private final Path file;
    private final String readerThread;
    /** The most read; past it, a file read whole is refused ({@link TooLarge}), a state file cut. */
    private final int maxBytes;
    private final boolean whole;
    /**
     * Whether a link at the path is followed to the file it names (looked at and opened there, that file's last
     * component without following): for a file the operator gives, never one of a directory the wazuh group writes.
     */
    private final boolean followLinks;
    /** The thread that reads the file, from the first reading. */
    private ExecutorService reader;
    /** Reading threads left waiting in an open that never ended. */
    private int abandoned;

    /**
     * A state file: its first {@link #MAX_BYTES} read.
     *
     * @param readerThread the name of the thread that opens and reads it
     */
    WazuhStateFile(Path file, String readerThread) {
        this(file, readerThread, MAX_BYTES, false, false);
    }

    private WazuhStateFile(Path file, String readerThread, int maxBytes, boolean whole, boolean followLinks) {
        this.file = file;
        this.readerThread = readerThread;
        this.maxBytes = maxBytes;
        this.whole = whole;
        this.followLinks = followLinks;
    }

    /**
     * A file read whole or not at all: one of more than {@code maxBytes} is refused ({@link TooLarge}) at the look and
     * at the read, not cut (a part of client.keys drops its last agents, or cuts an address short); the caller picks
     * the bound by what its heap may hold, the file being read into one array.
     */
    static WazuhStateFile whole(Path file, String readerThread, int maxBytes) {
        return new WazuhStateFile(file, readerThread, maxBytes, true, false);
    }

    /**
     * As {@link #whole}, a link at the path followed (a Kubernetes ConfigMap's file is one, {@code map -> ..data/map}):
     * the file it leads to is looked at and opened as {@link #whole}'s is.
     */
    static WazuhStateFile wholeFollowingLinks(Path file, String readerThread, int maxBytes) {
        return new WazuhStateFile(file, readerThread, maxBytes, true, true);
    }

    /** The path looked at and opened: the file's, or where its links lead. */
    private Path target() throws IOException {
        return followLinks ? file.toRealPath() : file;
    }

    Path path() {
        return file;
    }

    /** Its modification time, without following a link; the file must be a regular one. */
    long modifiedMillis() throws IOException {
        return attributes().lastModifiedTime().toMillis();
    }

    /**
     * Its attributes, looked at without following a link (a look never waits: a FIFO's too); the file must be a
     * regular one ({@link NotRegularFile}), and no larger than its bound when read whole ({@link TooLarge}).
     */
    BasicFileAttributes attributes() throws IOException {
        Path target = target();
        BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new NotRegularFile(target);
        }
        if (whole && attributes.size() > maxBytes) {
            throw new TooLarge(file, attributes.size(), maxBytes);
        }
        return attributes;
    }

    /**
     * Its {@code key='value'} lines, read by {@link #bytes}; an {@link IOException} when it is missing, unreadable, not
     * a regular file, or not UTF-8 (decoded strictly: such bytes are not a daemon's file).
     */
    Map<String, String> values() throws IOException {
        return values(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes())).toString());
    }

    /**
     * Its bytes, its bound at most ({@link #MAX_BYTES} for a state file; a file read whole larger than its bound when
     * opened is refused, {@link TooLarge}): opened without following a link ({@code O_NOFOLLOW}), read only when the
     * open file is one a position can be taken in (a regular file: a FIFO's is refused, {@code ESPIPE}), on a thread
     * of its own that delivery waits for {@link #READ_WITHIN_MILLIS} at most: a FIFO renamed over the file after it
     * was looked at blocks its open (Java opens none with {@code O_NONBLOCK}), and only that thread waits on it: it is
     * left there, and the next reading takes a new thread, so that the daemon's next write (a regular file renamed in)
     * is read again; after {@link #MAX_ABANDONED} such threads the file is not read any more (a writer of that
     * directory at work: each costs a thread).
     */
    byte[] bytes() throws IOException {
        if (abandoned >= MAX_ABANDONED) {
            throw new IOException(file + " is not read any more: " + abandoned + " readings of it were held in the "
                    + "open of a FIFO put in its place");
        }
        if (reader == null) {
            reader = Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, readerThread);
                thread.setDaemon(true);
                return thread;
            });
        }
        Path path = target();
        int bound = maxBytes;
        boolean refuseLarger = whole;
        // Not kept past this call: a field held the last reading's bytes until the next, a whole client.keys.
        Future<byte[]> reading = reader.submit(() -> {
            try (SeekableByteChannel channel = Files.newByteChannel(path, StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS)) {
                channel.position(); // ESPIPE unless a regular file (or a device, which no link leads to now)
                long size = channel.size(); // the open file's: it may have been renamed in after the look
                if (refuseLarger && size > bound) {
                    throw new TooLarge(path, size, bound);
                }
                ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(size, bound));
                while (bytes.hasRemaining()) { // to the size it had at the open, or its end
                    if (channel.read(bytes) < 0) {
                        break;
                    }
                }
                // the array itself when whole (a file of megabytes is not held twice)
                return bytes.hasRemaining() ? Arrays.copyOf(bytes.array(), bytes.position()) : bytes.array();
            }
        });
        long within = whole ? WHOLE_READ_WITHIN_MILLIS : READ_WITHIN_MILLIS;
        try {
            return reading.get(within, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            reader.shutdownNow(); // its thread stays in the open until a writer comes; the next reading takes another
            reader = null;
            abandoned++;
            throw new IOException(file + " was not read within " + within + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException cause ? cause : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading " + file);
        }
    }

    /** Ends the reading thread (one held by a FIFO's open stays until it ends: a daemon thread). */
    void close() {
        if (reader != null) {
            reader.shutdownNow();
        }
    }

    /** Its {@code key='value'} lines; comments and anything else left out. */
    static Map<String, String> values(String text) {
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#") && line.length() >= eq + 3 && line.charAt(eq + 1) == '\''
                    && line.endsWith("'")) {
                values.put(line.substring(0, eq).strip(), line.substring(eq + 2, line.length() - 1));
            }
        }
        return values;
    }
}
