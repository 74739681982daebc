package io.dwb.forwarder;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Whether the Wazuh queue socket's path can be reached. {@code Files.exists} is false both when nothing is there and
 * when this user may not search a directory on its way ({@code /var/ossec/queue/sockets} is {@code wazuh}'s group
 * only): a forwarder outside that group said "socket missing (is Wazuh running?)" for ever.
 */
enum SocketPath {
    PRESENT,
    MISSING,
    DENIED;

    /** What to look at, for tests: a root user is never denied. */
    @FunctionalInterface
    interface Attributes {
        Attributes FILES = path -> Files.readAttributes(path, BasicFileAttributes.class);

        BasicFileAttributes read(Path path) throws IOException;
    }

    static SocketPath of(Path path) {
        return of(path, Attributes.FILES);
    }

    static SocketPath of(Path path, Attributes attributes) {
        try {
            attributes.read(path);
            return PRESENT;
        } catch (AccessDeniedException e) {
            return DENIED;
        } catch (IOException e) {
            return MISSING; // not there, or not a directory on the way: nothing to connect to either way
        }
    }

    /** What an operator is to do about {@code path}, when it is not {@link #PRESENT}. */
    String problem(Path path) {
        return switch (this) {
            case PRESENT -> path + " is there";
            case MISSING -> path + " does not exist (is Wazuh running?)";
            case DENIED -> "permission denied: user " + System.getProperty("user.name") + " may not reach " + path
                    + " (a directory on its way is not searchable for it): the forwarder must run in Wazuh's group "
                    + "(wazuh; docs/forwarder.md, Troubleshooting)";
        };
    }
}
