package io.dwb.runtime;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Who besides a file's owner may change it, in the words a WARN line says it: for the files that choose whom a
 * process trusts (a Kafka client configuration, its truststore, the Docker engine's CA and certificate).
 */
public final class FileAudience {
    private FileAudience() {}

    /** "every user of this host" or "its group" when users besides the owner may write the file; else null. */
    public static String writers(Set<PosixFilePermission> permissions) {
        return permissions.contains(PosixFilePermission.OTHERS_WRITE) ? "every user of this host"
                : permissions.contains(PosixFilePermission.GROUP_WRITE) ? "its group" : null;
    }
}
