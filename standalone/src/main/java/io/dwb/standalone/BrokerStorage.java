package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the embedded broker's log directory ({@code <data dir>/kafka}) holds before a start, which decides whether it
 * may be formatted. Kafka's own format writes files only (meta.properties, bootstrap.checkpoint); every partition's
 * log, the metadata log {@code __cluster_metadata-0} included, is a directory the running broker made.
 */
enum BrokerStorage {
    /** No log directory, or one without a partition's log (an empty one, a format cut short): formatted. */
    NEW,
    /** meta.properties there: the broker's identity (cluster and directory ids), read by Kafka as it starts. */
    FORMATTED,
    /**
     * A partition's log but no meta.properties (deleted, or missed by a restore): formatting would write a new
     * identity and bootstrap.checkpoint over the old metadata log, so the start refuses and changes nothing.
     */
    LOG_WITHOUT_META_PROPERTIES;

    static final String META_PROPERTIES = "meta.properties";
    /** How many of the logs found the refusal names. */
    private static final int NAMED = 3;

    /** The state of {@code logDir}; read only, nothing in it is written. */
    static BrokerStorage of(Path logDir) {
        if (Files.exists(logDir.resolve(META_PROPERTIES))) {
            return FORMATTED;
        }
        return logs(logDir).isEmpty() ? NEW : LOG_WITHOUT_META_PROPERTIES;
    }

    /**
     * The refusal of a start on {@code logDir} in state {@link #LOG_WITHOUT_META_PROPERTIES}: a configuration error
     * (exit 2), which the units do not restart, since every start would refuse again until someone acts.
     */
    static ConfigurationError refusal(Path logDir) {
        List<String> logs = logs(logDir);
        String named = String.join(", ", logs.subList(0, Math.min(NAMED, logs.size())))
                + (logs.size() > NAMED ? " and " + (logs.size() - NAMED) + " more" : "");
        Path moved = logDir.resolveSibling(logDir.getFileName() + ".lost");
        return new ConfigurationError(logDir + " holds the embedded broker's log (" + named + ") but no "
                + META_PROPERTIES + ": the broker is not started and nothing there is changed (formatting it anew "
                + "would write a new cluster over that log). Either restore " + logDir.resolve(META_PROPERTIES)
                + " from a backup of this data directory, or, to start on an empty broker (the alerts still "
                + "waiting there and the listener's checkpoint are left behind: events since the last stop are "
                + "lost without a gap record), move the log away: mv " + logDir + " " + moved);
    }

    /** The directories in {@code logDir} (each a partition's log), sorted; none when it does not exist. */
    static List<String> logs(Path logDir) {
        if (!Files.isDirectory(logDir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(logDir)) {
            return entries.filter(entry -> Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS))
                    .map(entry -> entry.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the embedded broker's log directory " + logDir + ": "
                    + e.getMessage(), e);
        }
    }
}
