package io.dwb.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dwb.runtime.ConfigurationError;
import io.dwb.runtime.Launcher;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.metadata.FeatureLevelRecord;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.metadata.MetadataRecordSerde;
import org.apache.kafka.metadata.bootstrap.BootstrapDirectory;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.metadata.util.BatchFileWriter;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A data dir a newer release formatted (its Kafka at a higher metadata.version), then started by this release (a
 * downgrade): before, the start found nothing wrong, Kafka's controller halted the process, exit 1, and systemd
 * started it again for ever. Now the start is refused, exit 2, one line saying what happened and the ways out, and
 * nothing there is changed. Real Kafka-format files: Kafka's formatter, its bootstrap and snapshot writers, a log
 * segment of the metadata log's records; a newer Kafka's level is written as a raw FeatureLevelRecord, which
 * MetadataVersion cannot represent. No broker starts.
 */
class NewerKafkaDataTest {
    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** A level no Kafka has yet. */
    private static final short FAR_NEWER = 99;
    private static final MetadataVersion SUPPORTED = MetadataVersion.latestProduction();

    @TempDir
    Path dataDir;

    /** The next level (this Kafka's MetadataVersion reads it, as unstable: its controller refuses it), and beyond. */
    static Stream<Short> newerLevels() {
        return Stream.of((short) (SUPPORTED.featureLevel() + 1), FAR_NEWER);
    }

    @ParameterizedTest
    @MethodSource("newerLevels")
    void aBootstrapCheckpointOfANewerKafkaIsRefusedAndLeftAsItWas(short level) throws Exception {
        Path logDir = formatted();
        writeBootstrap(logDir, level);
        Map<String, String> before = DataDirLockTest.tree(logDir);

        assertThatThrownBy(() -> BootstrapCheckpoint.mend(logDir, NODE_ID, CONTROLLER_LISTENER))
                .isInstanceOf(ConfigurationError.class)
                .hasMessage(refusal(logDir, level, logDir.resolve(BootstrapCheckpoint.FILE_NAME)));
        assertThat(DataDirLockTest.tree(logDir)).as("nothing written").isEqualTo(before);
    }

    /** bootstrap.checkpoint this Kafka's, the metadata log a newer one's: Kafka goes by the log. */
    @Test
    void aMetadataLogOfANewerKafkaIsRefusedAndLeftAsItWas() throws Exception {
        Path logDir = formatted();
        Path segment = logDir.resolve(BootstrapCheckpoint.METADATA_LOG).resolve("00000000000000000000.log");
        writeSegment(segment, 0, FAR_NEWER);
        Map<String, String> before = DataDirLockTest.tree(logDir);

        assertThatThrownBy(() -> BootstrapCheckpoint.mend(logDir, NODE_ID, CONTROLLER_LISTENER))
                .isInstanceOf(ConfigurationError.class).hasMessage(refusal(logDir, FAR_NEWER, segment));
        assertThat(DataDirLockTest.tree(logDir)).as("nothing written").isEqualTo(before);
    }

    /**
     * A newer level only before the newest snapshot, which holds this Kafka's: the controller replays from the
     * snapshot on, and starts. Not refused (passes without the check too: it guards against refusing too much).
     */
    @Test
    void aNewerLevelTheControllerNoLongerReplaysIsNotRefused() throws Exception {
        Path logDir = formatted();
        Path metadataLog = logDir.resolve(BootstrapCheckpoint.METADATA_LOG);
        writeSegment(metadataLog.resolve("00000000000000000000.log"), 0, FAR_NEWER);
        try (BatchFileWriter snapshot = BatchFileWriter.open(
                metadataLog.resolve("00000000000000000001-0000000001.checkpoint"))) {
            snapshot.append(metadataVersion(SUPPORTED.featureLevel()));
        }
        Map<String, String> before = DataDirLockTest.tree(logDir);

        assertThatCode(() -> BootstrapCheckpoint.mend(logDir, NODE_ID, CONTROLLER_LISTENER))
                .doesNotThrowAnyException();
        assertThat(DataDirLockTest.tree(logDir)).isEqualTo(before);
    }

    @Test
    void theStandaloneRefusesADataDirOfANewerKafkaWithExit2() throws Exception {
        Path logDir = formatted();
        writeBootstrap(logDir, FAR_NEWER);
        Map<String, String> before = DataDirLockTest.tree(logDir);

        String ran = Commands.standalone("--data-dir", dataDir.toString(), "--wazuh-queue", "-",
                "--kafka-port", "0");

        assertThat(ran).startsWith(Launcher.EXIT_USAGE + ": ")
                .contains("error: " + refusal(logDir, FAR_NEWER, logDir.resolve(BootstrapCheckpoint.FILE_NAME)))
                .doesNotContain("Exception");
        assertThat(DataDirLockTest.tree(logDir)).as("nothing written").isEqualTo(before);
    }

    private static String refusal(Path logDir, short level, Path file) {
        return logDir + " was written by a newer release: its metadata.version is at feature level " + level + " ("
                + file + "), and this release's Kafka " + AppInfoParser.getVersion() + " supports levels up to "
                + SUPPORTED.featureLevel() + " (" + SUPPORTED.version() + "), so its broker cannot start there: it "
                + "is not started and nothing there is changed. Run the newer release again, or, to start this one "
                + "on an empty broker (the alerts still waiting there and the listener's checkpoint are left behind: "
                + "events since the last stop are lost without a gap record), move the log away: mv " + logDir + " "
                + logDir + ".newer";
    }

    /** {@code <data dir>/kafka} as the standalone's first start formats it, with Kafka's formatter. */
    private Path formatted() throws Exception {
        Path logDir = Files.createDirectory(dataDir.resolve("kafka"),
                PosixFilePermissions.asFileAttribute(PrivateFiles.DIRECTORY));
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(logDir.toString())
                    .setDirectories(List.of(logDir.toString()))
                    .run();
        }
        return logDir;
    }

    /** The formatter's bootstrap.checkpoint, its metadata.version at {@code level}, as a newer release's format. */
    private static void writeBootstrap(Path logDir, short level) throws Exception {
        BootstrapDirectory directory = new BootstrapDirectory(logDir.toString());
        List<ApiMessageAndVersion> records = directory.read().records().stream()
                .map(r -> BootstrapMetadata.recordToMetadataVersionLevel(r.message()).isPresent()
                        ? metadataVersion(level) : r)
                .toList();
        assertThat(records).contains(metadataVersion(level));
        directory.writeBinaryFile(BootstrapMetadata.fromRecords(records, "a newer release's format"));
    }

    /** A metadata log segment holding one batch at {@code offset}: a FeatureLevelRecord of metadata.version. */
    private static void writeSegment(Path segment, long offset, short level) throws Exception {
        Files.createDirectories(segment.getParent());
        ApiMessageAndVersion record = metadataVersion(level);
        MetadataRecordSerde serde = new MetadataRecordSerde();
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer value = ByteBuffer.allocate(serde.recordSize(record, cache));
        serde.write(record, cache, new ByteBufferAccessor(value));
        try (FileRecords log = FileRecords.open(segment.toFile())) {
            log.append(MemoryRecords.withRecords(offset, Compression.NONE, new SimpleRecord(value.array())));
        }
    }

    private static ApiMessageAndVersion metadataVersion(short level) {
        return new ApiMessageAndVersion(new FeatureLevelRecord().setName(MetadataVersion.FEATURE_NAME)
                .setFeatureLevel(level), (short) 0);
    }
}
