package io.dwb.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.io.IOException;

/**
 * Where the standalone delivers alerts when {@code --wazuh-queue} is not given: the Wazuh queue socket when one
 * exists at the usual path (so on a Wazuh agent or manager it just works), standard output otherwise.
 */
final class AlertDestination {
    static final String STANDARD_OUTPUT = "-";

    private AlertDestination() {}

    /** {@code option} when given, else the socket at {@code defaultQueue} if it is one, else {@code -}. */
    static String resolve(String option, Path defaultQueue) {
        if (option != null && !option.isBlank()) {
            return option;
        }
        return isSocket(defaultQueue) ? defaultQueue.toString() : STANDARD_OUTPUT;
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).isOther();
        } catch (IOException e) {
            return false;
        }
    }
}
