package io.dwb.forwarder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A Wazuh daemon's state file ({@code <home>/var/run/<daemon>.state}: {@code key='value'} lines, rewritten whole every
 * state interval through a rename), read without following a symbolic link: the path must name a regular file itself
 * (checked without following, then opened with {@code O_NOFOLLOW}), so a link planted there cannot make the forwarder
 * read, or block on, another file (a FIFO, a device). At most {@link #MAX_BYTES} are read: Wazuh's are a few KiB.
 */
final class WazuhStateFile {
    static final int MAX_BYTES = 64 * 1024;

    /** What one reading found: its values, and when it was last written. */
    record Reading(Map<String, String> values, long modifiedMillis) {
    }

    /** Not a regular file (a symbolic link, a directory, a FIFO…): not read. */
    static final class NotRegularFile extends IOException {
        NotRegularFile(Path path) {
            super(path + " is not a regular file (a symbolic link, a directory or a FIFO is not read)");
        }
    }

    private WazuhStateFile() {
    }

    /** Its modification time, without following a link; the file must be a regular one. */
    static long modifiedMillis(Path file) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new NotRegularFile(file);
        }
        return attributes.lastModifiedTime().toMillis();
    }

    /** Reads {@code file}; an {@link IOException} when it is missing, unreadable or not a regular file. */
    static Reading read(Path file) throws IOException {
        long modified = modifiedMillis(file);
        ByteBuffer bytes = ByteBuffer.allocate(MAX_BYTES);
        try (SeekableByteChannel channel = Files.newByteChannel(file, Set.of(StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                // until the end, or MAX_BYTES
            }
        }
        return new Reading(values(new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8)), modified);
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
