package io.dwb.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a file whole that others may write, such as Wazuh's {@code ossec.conf} and {@code agent.conf} (its {@code etc}
 * is the {@code wazuh} group's, 0770): a regular file where its links lead (a Kubernetes ConfigMap's file is a link),
 * at most a bound, its open not waited for past {@link #OPEN_WITHIN_MILLIS}. Read with {@code readAllBytes}, a file of
 * 150 MB ran the heap out at every start (exit 3, restarted for ever), and a FIFO put there held the start in its open
 * for good (Java opens none with {@code O_NONBLOCK}).
 */
public final class WholeFile {
    /** How long the open and read may take: a FIFO renamed in after the look holds its open until a writer comes. */
    static final long OPEN_WITHIN_MILLIS = 5_000;

    private WholeFile() {}

    /** @throws IOException when it is missing, not a regular file, over {@code maxBytes}, or not read in time */
    public static byte[] read(Path file, int maxBytes) throws IOException {
        Path target = file.toRealPath();
        BasicFileAttributes attributes = Files.readAttributes(target, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isRegularFile()) {
            throw new IOException((target.equals(file.toAbsolutePath().normalize()) ? ""
                    : "its link leads to " + target + ", which ")
                    + "is not a regular file");
        }
        refuseOver(attributes.size(), maxBytes);
        ExecutorService reader = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "whole-file-reader");
            thread.setDaemon(true);
            return thread;
        });
        try {
            Future<byte[]> reading = reader.submit(() -> bytes(target, maxBytes));
            return reading.get(OPEN_WITHIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("not read within " + OPEN_WITHIN_MILLIS + " ms (a FIFO put in its place holds "
                    + "its open)");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading it", e);
        } finally {
            reader.shutdownNow(); // a thread held in a FIFO's open stays there, a daemon
        }
    }

    private static byte[] bytes(Path target, int maxBytes) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(target, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS)) {
            channel.position(); // ESPIPE unless a regular file
            long size = channel.size(); // the open file's: another may have been renamed in after the look
            refuseOver(size, maxBytes);
            ByteBuffer bytes = ByteBuffer.allocate((int) size);
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                // to the size it had at the open, or its end
            }
            return bytes.position() == size ? bytes.array() : Arrays.copyOf(bytes.array(), bytes.position());
        }
    }

    private static void refuseOver(long size, int maxBytes) throws IOException {
        if (size > maxBytes) {
            throw new IOException("it has " + size + " bytes, over the " + maxBytes + " read of such a file");
        }
    }
}
