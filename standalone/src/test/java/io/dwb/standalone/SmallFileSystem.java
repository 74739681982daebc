package io.dwb.standalone;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real file system of a few megabytes, a tmpfs mounted for a test (bin/test runs as root; without the right to
 * mount, the test fails), that can be filled: a host's disk that Docker filled, as small as a test wants it.
 */
final class SmallFileSystem implements AutoCloseable {
    private final Path root;

    private SmallFileSystem(Path root) {
        this.root = root;
    }

    static SmallFileSystem mount(Path root, long bytes) throws Exception {
        Files.createDirectories(root);
        Commands.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + (bytes >> 10) + "k,mode=0755", "tmpfs",
                root.toString()), Map.of(), Duration.ofSeconds(30));
        return new SmallFileSystem(root);
    }

    Path root() {
        return root;
    }

    /** Fills it with a file of zeros (the one of a fill before replaced) until {@code left} bytes are free. */
    void fillLeaving(long left) throws IOException {
        Files.deleteIfExists(root.resolve("filler"));
        long toWrite = Files.getFileStore(root).getUsableSpace() - left;
        byte[] block = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(root.resolve("filler"))) {
            for (long written = 0; written < toWrite; written += block.length) {
                out.write(block, 0, (int) Math.min(block.length, toWrite - written));
            }
        }
    }

    @Override
    public void close() {
        Commands.runQuietly(List.of("umount", "-l", root.toString()), Map.of());
    }
}
