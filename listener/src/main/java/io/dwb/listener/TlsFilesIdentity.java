package io.dwb.listener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * What tells renewed TLS files of the engine ({@code ca.pem}, {@code cert.pem}, {@code key.pem}) from those read
 * before, without reading them: each file's identity (device and inode), size and modification time, links followed
 * (a Kubernetes secret's files are links into a directory that is swapped whole; a renewal that writes a new file and
 * renames it over the old one gives it a new inode; one that writes in place, a new time).
 *
 * @param files one for each of {@link EngineAddress#TLS_FILES}, in that order
 */
record TlsFilesIdentity(List<FileIdentity> files) {
    /** @param key the file system's identity of the file (device and inode), null where it has none */
    record FileIdentity(Object key, long size, FileTime modified) {}

    /** A stat of each file; throws when one cannot be (missing: a renewal that removes before it writes). */
    static TlsFilesIdentity of(Path directory) throws IOException {
        List<FileIdentity> files = new ArrayList<>(EngineAddress.TLS_FILES.size());
        for (String name : EngineAddress.TLS_FILES) {
            BasicFileAttributes a = Files.readAttributes(directory.resolve(name), BasicFileAttributes.class);
            files.add(new FileIdentity(a.fileKey(), a.size(), a.lastModifiedTime()));
        }
        return new TlsFilesIdentity(List.copyOf(files));
    }
}
