package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.controller.QuorumFeatures;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * Broker storage a newer release wrote (a downgrade that kept the data dir): a metadata.version above the feature
 * levels this build's Kafka supports. Its controller cannot start there and halts the process, exit 1, which systemd
 * starts again for ever: replaying such a level from the metadata log ({@code Tried to apply FeatureLevelRecord
 * FeatureLevelRecord(name='metadata.version', featureLevel=N), but this controller only supports versions 7-29}), or,
 * on a metadata log without a metadata.version, taking bootstrap.checkpoint's ({@code No MetadataVersion with feature
 * level N}; Kafka reads that file without complaint, so {@link BootstrapCheckpoint#mend} does not take it for damage
 * either). Nothing there is damaged and the newer release still reads all of it, so the start is refused (exit 2,
 * not restarted) before anything is written.
 */
final class NewerKafkaData {
    /**
     * The highest metadata.version level this build's controller accepts: Kafka's ControllerServer takes this map,
     * with {@code unstable.feature.versions.enable}, which the embedded broker leaves false (its production levels).
     */
    static final short SUPPORTED_LEVEL = QuorumFeatures.defaultSupportedFeatureMap(false)
            .get(MetadataVersion.FEATURE_NAME).max();

    private NewerKafkaData() {}

    /**
     * Throws a {@link ConfigurationError} when {@code logDir} holds a metadata.version level above
     * {@link #SUPPORTED_LEVEL} where Kafka reads one at start: in the records it replays from the metadata log, or in
     * bootstrap.checkpoint when those hold none (Kafka uses the file only then). Reads only.
     */
    static void refuseIfFound(Path logDir) {
        List<MetadataVersionRecords.Level> levels = MetadataVersionRecords.replayed(
                logDir.resolve(BootstrapCheckpoint.METADATA_LOG));
        if (levels.isEmpty()) {
            levels = MetadataVersionRecords.in(logDir.resolve(BootstrapCheckpoint.FILE_NAME));
        }
        levels.stream().filter(found -> found.level() > SUPPORTED_LEVEL).findFirst().ifPresent(newer -> {
            throw refusal(logDir, newer);
        });
    }

    private static ConfigurationError refusal(Path logDir, MetadataVersionRecords.Level newer) {
        String supported = SUPPORTED_LEVEL + " (" + MetadataVersion.fromFeatureLevel(SUPPORTED_LEVEL).version() + ")";
        return new ConfigurationError(logDir + " was written by a newer release: its metadata.version is at feature "
                + "level " + newer.level() + " (" + newer.file() + "), and this release's Kafka "
                + AppInfoParser.getVersion() + " supports levels up to " + supported + ", so its broker cannot start "
                + "there: it is not started and nothing there is changed. Run the newer release again, or, to start "
                + "this one on an empty broker (the alerts still waiting there and the listener's checkpoint are left "
                + "behind: events since the last stop are lost without a gap record), move the log away: mv "
                + logDir + " " + logDir.resolveSibling(logDir.getFileName() + ".newer"));
    }
}
