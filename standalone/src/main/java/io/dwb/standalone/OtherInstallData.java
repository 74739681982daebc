package io.dwb.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The data directory of the standalone's other way of being installed, found when this one's is new: moving from
 * {@code standalone/service/install} ({@code /var/lib/docker-wazuh-bridge}) to the Debian package
 * ({@code /var/lib/dwb-standalone}), or back, starts on an empty broker. It has no checkpoint, so it starts from the
 * engine's present and the events since the old one stopped are lost without a gap record; the alerts still waiting
 * in the old broker are never delivered. Nothing here can tell that from a deliberate fresh start: one WARN line.
 */
final class OtherInstallData {
    /** Where {@code standalone/service/install} and the Debian package keep the embedded broker's data. */
    static final List<Path> KNOWN = List.of(Path.of("/var/lib/docker-wazuh-bridge"),
            Path.of("/var/lib/dwb-standalone"));
    private static final String BROKER = "kafka/meta.properties";

    private OtherInstallData() {}

    /** The WARN line for {@code dataDir} before the broker starts (and formats it), or null. */
    static String warning(Path dataDir, List<Path> known) {
        Path own = dataDir.toAbsolutePath().normalize();
        if (BrokerStorage.of(own.resolve("kafka")) != BrokerStorage.NEW) {
            return null; // its own broker, or its own log, which the start refuses without meta.properties
        }
        for (Path other : known) {
            if (other.equals(own) || !Files.isDirectory(other)) {
                continue;
            }
            Path broker = other.resolve(BROKER);
            // Neither there nor absent: a directory this user may not search, which is what the other install's
            // data is once uninstalled (root's, or the other service user's, 0700).
            boolean unknown = !Files.exists(broker) && !Files.notExists(broker);
            if (Files.exists(broker) || unknown) {
                return other + (unknown ? " (which this user cannot search) may hold" : " holds")
                        + " the embedded broker of another install of the standalone, and this data dir " + own
                        + " is new: this start has no checkpoint (it captures from now on; events since the other "
                        + "one stopped are lost, without a gap record) and the alerts still waiting there are not "
                        + "delivered. To resume from it, stop this service and move that directory's content here "
                        + "(docs/standalone.md, Migration and rollback); to start afresh, remove it";
            }
        }
        return null;
    }
}
