package io.dwb.listener;

import io.dwb.runtime.Causes;
import io.dwb.runtime.ConfigurationError;

/**
 * A compression codec whose native library cannot load: snappy-java and zstd-jni write a copy of it to their
 * temporary directory (java.io.tmpdir, /tmp by default) and load it from there, which fails on a noexec mount (the
 * tmpfs of {@code docker run --read-only --tmpfs /tmp}, a host's /tmp mounted noexec). The failure is a
 * {@link LinkageError} ({@code UnsatisfiedLinkError: ... failed to map segment from shared object}, then
 * {@code NoClassDefFoundError} at each later use), raw from snappy, wrapped in a KafkaException from zstd, or
 * snappy-java's own {@code SnappyError} when it cannot write its copy.
 *
 * <p>It is a configuration error (exit 2), not Kafka being unavailable: the library does not load at a retry in the
 * same JVM (the class that failed to initialise stays failed), nor at a restart with the same mounts; and the batch
 * that needs it stays in the compacted checkpoints topic for ever. Retrying would only hide the cause behind
 * "Kafka unavailable" for ever.
 */
final class NativeCodecFailure {
    private NativeCodecFailure() {}

    /** The configuration error that says what {@code failure} means and how to mend it, or null if it is not one. */
    static ConfigurationError of(Throwable failure, String reading) {
        Throwable codec = Causes.find(failure, t -> t instanceof LinkageError
                || t.getClass().getName().equals("org.xerial.snappy.SnappyError"));
        if (codec == null) {
            return null;
        }
        Throwable root = Causes.root(codec);
        String detail = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return new ConfigurationError("cannot decompress the records of " + reading + ": a compression codec's "
                + "native library (snappy or zstd: a batch compressed by another producer, or by the topic's "
                + "compression.type) cannot load (" + detail + "); it is loaded from a copy written to the "
                + "temporary directory (java.io.tmpdir=" + System.getProperty("java.io.tmpdir") + "), which must "
                + "allow exec: mount /tmp with exec (Compose: tmpfs \"/tmp:exec,mode=1777\", docker run: --tmpfs "
                + "/tmp:exec), or set -Djava.io.tmpdir to a writable directory that allows exec (JAVA_OPTS "
                + "replaces all the flags of jvm.options: keep them)",
                failure);
    }
}
