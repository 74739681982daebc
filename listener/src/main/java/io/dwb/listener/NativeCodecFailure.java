package io.dwb.listener;

import io.dwb.runtime.Causes;
import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * A compression codec whose native library cannot load: snappy-java and zstd-jni write a copy of it to their
 * temporary directory (java.io.tmpdir, /tmp by default, unless {@code org.xerial.snappy.tempdir} or {@code
 * ZstdTempFolder} name another) and load it from there, which fails on a noexec mount (the tmpfs of {@code docker run
 * --read-only --tmpfs /tmp}, a host's /tmp mounted noexec) and when that directory is full. The failure is a
 * {@link LinkageError} ({@code UnsatisfiedLinkError: ... failed to map segment from shared object}, or {@code no
 * snappyjava in java.library.path} after a copy that could not be written; {@code ExceptionInInitializerError:
 * Cannot unpack libzstd-jni...: No space left on device}; then {@code NoClassDefFoundError} at each later use), raw
 * from snappy, wrapped in a KafkaException from zstd, or snappy-java's own {@code SnappyError}.
 *
 * <p>A noexec directory is a configuration error (exit 2), not Kafka being unavailable: the library does not load at
 * a retry in the same JVM (the class that failed to initialise stays failed), nor at a restart with the same mounts;
 * and the batch that needs it stays in the compacted checkpoints topic for ever. Retrying would only hide the cause
 * behind "Kafka unavailable" for ever. A full directory is not: it is mended by freeing space, often by something
 * else (logrotate, Docker's own pruning), and a restart then loads the library; exit 2 stopped the service for good
 * ({@code RestartPreventExitStatus=2}), so it is a {@link TemporaryDirectoryFull} (exit 1) instead.
 */
final class NativeCodecFailure {
    /**
     * Free space under which a codec's directory counts as full: the largest copy (zstd-jni's, ~1 MB on x86-64) and
     * some. With more free, the copy was written and something else stopped the load. Kept small: a small tmpfs (a
     * container's {@code --tmpfs /tmp:size=8m}, noexec by Docker's default) is not full for being small.
     */
    static final long FULL_BELOW_BYTES = 4L * 1024 * 1024;

    private NativeCodecFailure() {}

    /**
     * The failure that says what {@code failure} means and how to mend it, or null if it is not a codec's: a
     * {@link ConfigurationError}, or a {@link TemporaryDirectoryFull} when a codec's directory has less than
     * {@link #FULL_BELOW_BYTES} free.
     */
    static RuntimeException of(Throwable failure, String reading) {
        return of(failure, reading, System::getProperty, NativeCodecFailure::usableBytes,
                directory -> MountOptions.of(MountOptions.MOUNTINFO, directory).contains("noexec"));
    }

    /**
     * @param properties  the JVM's system properties, by name (null when unset)
     * @param usableBytes free space of a directory for this process, -1 when it cannot be read
     * @param noexec      whether a directory is on a mount that forbids exec: then never taken for full
     */
    static RuntimeException of(Throwable failure, String reading, UnaryOperator<String> properties,
                               ToLongFunction<Path> usableBytes, Predicate<Path> noexec) {
        Throwable codec = Causes.find(failure, t -> t instanceof LinkageError
                || t.getClass().getName().equals("org.xerial.snappy.SnappyError"));
        if (codec == null) {
            return null;
        }
        Throwable root = Causes.root(codec);
        String detail = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        String tmpdir = properties.apply("java.io.tmpdir");
        Set<Path> directories = copyDirectories(tmpdir, properties);
        boolean anyNoexec = directories.stream().anyMatch(noexec);
        for (Path directory : anyNoexec ? Set.<Path>of() : directories) {
            long free = usableBytes.applyAsLong(directory);
            if (free >= 0 && free < FULL_BELOW_BYTES) {
                return new TemporaryDirectoryFull("cannot decompress the records of " + reading + ": a compression "
                        + "codec's native library (snappy or zstd) cannot load (" + detail + "); it is loaded from "
                        + "a copy written to " + directory + ", which has " + free + " bytes free: free space there "
                        + "(exit 1: a restart loads it once there is room)", failure);
            }
        }
        return new ConfigurationError("cannot decompress the records of " + reading + ": a compression codec's "
                + "native library (snappy or zstd: a batch compressed by another producer, or by the topic's "
                + "compression.type) cannot load (" + detail + "); it is loaded from a copy written to the "
                + "temporary directory (java.io.tmpdir=" + tmpdir + "), which must "
                + "allow exec: mount /tmp with exec (Compose: tmpfs \"/tmp:exec,mode=1777\", docker run: --tmpfs "
                + "/tmp:exec), or set -Djava.io.tmpdir to a writable directory that allows exec (JAVA_OPTS "
                + "replaces all the flags of jvm.options: keep them)",
                failure);
    }

    /** Where snappy-java and zstd-jni write their copies: each its own directory when set, else java.io.tmpdir. */
    private static Set<Path> copyDirectories(String tmpdir, UnaryOperator<String> properties) {
        Set<Path> directories = new LinkedHashSet<>();
        for (String own : new String[] {"org.xerial.snappy.tempdir", "ZstdTempFolder"}) {
            String value = properties.apply(own);
            String directory = value != null && !value.isBlank() ? value : tmpdir;
            if (directory != null) {
                try {
                    directories.add(Path.of(directory));
                } catch (InvalidPathException e) {
                    // not a path: the codec could not have written there either, and nothing tells how full it is
                }
            }
        }
        return directories;
    }

    private static long usableBytes(Path directory) {
        try {
            return Files.getFileStore(directory).getUsableSpace();
        } catch (IOException | RuntimeException e) {
            return -1; // missing, unreadable: not known to be full
        }
    }

    /** A codec's native library could not be copied for want of space: mended without a change of settings. */
    static final class TemporaryDirectoryFull extends RuntimeException {
        TemporaryDirectoryFull(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
