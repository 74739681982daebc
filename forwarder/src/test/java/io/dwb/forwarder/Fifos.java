package io.dwb.forwarder;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The FIFOs a test makes (mkfifo), to let go whoever is still blocked opening one once it ends. */
final class Fifos {
    private final List<Path> made = new ArrayList<>();

    Path make(Path path) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("mkfifo", path.toString()).start().waitFor()).isZero();
        made.add(path);
        return path;
    }

    /** Whoever is still blocked opening a FIFO made here (a reading without the fix) is let go. */
    void release() throws IOException {
        for (Path fifo : made) {
            release(fifo);
        }
    }

    /** Opened for reading and writing, which never waits (Linux): a reader blocked in its open goes on, to its end. */
    static void release(Path fifo) throws IOException {
        if (Files.exists(fifo, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(fifo, LinkOption.NOFOLLOW_LINKS)
                && !Files.isSymbolicLink(fifo)) {
            new RandomAccessFile(fifo.toFile(), "rw").close();
        }
    }
}
