package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files only their owner may read: the data directory (events, exec command lines included) and the broker's
 * credentials. Created owner-only from the start, never widened afterwards, so there is no moment another local
 * user could open them.
 */
final class PrivateFiles {
    private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private PrivateFiles() {}

    /** Creates {@code dir} (and its parents) mode 0700; an existing one open to others is restricted to 0700. */
    static void directory(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
                return;
            }
            restrict(dir); // followed when it is a link: the operator chose where the data lives
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot make the data directory " + dir + " private to its owner: "
                    + e.getMessage(), e);
        }
    }

    /**
     * An existing directory {@code name} in the private directory {@code parent}, checked before it is used: it must
     * be a directory of the parent's owner, not a link (restricted to 0700 when open to others). When the parent was
     * open to others before a start restricted it, another user could have made it theirs, and the broker would
     * have written every event into a directory they own (and read what they planted there).
     */
    static void ownedSubdirectory(Path parent, String name) {
        Path dir = parent.resolve(name);
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            String foreign = Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) ? foreignOwner(dir) : "not a directory";
            if (foreign != null) {
                throw new ConfigurationError(dir + " is " + foreign + ": another user may have put it there while "
                        + parent + " was open to them; check what it holds and remove it");
            }
            restrict(dir, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot check " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code text} to {@code file} mode 0600, replacing it atomically (a reader sees the old or the new) and
     * durably: flushed to disk before the rename, and the rename flushed too. Else a power loss soon after the first
     * start could leave the credentials file empty under its new name (ext4 journals a rename before the data of a
     * new file), and every start after it would fail until someone deleted it.
     */
    static void write(Path file, String text) {
        Path temporary = file.resolveSibling("." + file.getFileName() + ".new");
        try {
            Files.deleteIfExists(temporary);
            Files.createFile(temporary, PosixFilePermissions.asFileAttribute(FILE));
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        force(file.toAbsolutePath().getParent());
    }

    /**
     * Forces {@code path} to disk: a file's content, or a directory's entries (a file created or renamed in it is
     * there after a power loss only once its directory was forced too).
     */
    static void force(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + path + " to disk: " + e.getMessage(), e);
        }
    }

    /** Restricts {@code dir} to 0700 when it is open to others, saying so. */
    private static void restrict(Path dir, LinkOption... options) throws IOException {
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir, options);
        if (!DIRECTORY.containsAll(now)) {
            Files.setPosixFilePermissions(dir, DIRECTORY);
            log.info("restricted {} to its owner (it was {})", dir, PosixFilePermissions.toString(now));
        }
    }

    /** "owned by X, not by Y who owns <its directory>" when its owner is not its directory's; else null. */
    private static String foreignOwner(Path path) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        UserPrincipal owner = Files.getOwner(parent);
        UserPrincipal pathOwner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
        return owner.equals(pathOwner) ? null
                : "owned by " + pathOwner.getName() + ", not by " + owner.getName() + " who owns " + parent;
    }

    /**
     * Refuses a secret others may read or change, as ssh does: someone else may have read it already; or one that is
     * not its directory's owner's (another user may have put it there, knowing what it says).
     */
    static void requireOwnerOnly(Path file) {
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (!FILE.containsAll(now) || Files.isSymbolicLink(file)) {
                throw new ConfigurationError(file + " is open to other users (" + PosixFilePermissions.toString(now)
                        + "): its credentials may be known; delete it (new ones are made at the next start) or "
                        + "chmod 600 it");
            }
            String foreign = foreignOwner(file);
            if (foreign != null) {
                throw new ConfigurationError(file + " is " + foreign + ": its credentials may be another user's; "
                        + "delete it (new ones are made at the next start)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
