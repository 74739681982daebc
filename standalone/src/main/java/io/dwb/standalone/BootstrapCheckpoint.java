package io.dwb.standalone;

import io.dwb.runtime.ConfigurationError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.metadata.FeatureLevelRecord;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.metadata.MetadataRecordSerde;
import org.apache.kafka.metadata.bootstrap.BootstrapDirectory;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <log dir>/bootstrap.checkpoint}, which Kafka's format writes beside meta.properties: the feature levels
 * (metadata.version first) a controller appends to an empty metadata log. Kafka reads it at every start, and one it
 * cannot read (no metadata.version in it) stops every start, though it uses it only while the metadata log holds no
 * metadata.version. Kafka's format writes it without forcing it to disk (meta.properties, which it writes after, it
 * forces): on ext4 with delayed allocation a power loss soon after the first start could leave it empty under its
 * name while meta.properties stayed, and every later start failed ({@code No FeatureLevelRecord for
 * metadata.version was found in the bootstrap metadata}).
 */
final class BootstrapCheckpoint {
    private static final Logger log = LoggerFactory.getLogger(BootstrapCheckpoint.class);
    static final String FILE_NAME = BootstrapDirectory.BINARY_BOOTSTRAP_FILENAME;
    static final String METADATA_LOG = "__cluster_metadata-0";

    private BootstrapCheckpoint() {}

    /**
     * Before a start on formatted storage: a bootstrap.checkpoint Kafka cannot read is written again as the format
     * writes it (forced to disk), one WARN line, when that changes nothing the broker had: its metadata log holds a
     * metadata.version (Kafka then ignores the file), or {@code logDir} holds no topic's log (nothing was written but
     * the format's files, or a metadata log without one: the broker starts as on its first start). Otherwise (the
     * metadata log lost, topics' logs there) the start is refused, exit 2, nothing changed. A missing file is left to
     * Kafka, which then uses its default bootstrap (the latest metadata.version). First of all, storage a newer
     * release wrote is refused as it is ({@link NewerKafkaData}): its files are whole, only newer than this Kafka.
     */
    static void mend(Path logDir, int nodeId, String controllerListenerName) {
        NewerKafkaData.refuseIfFound(logDir);
        Path file = logDir.resolve(FILE_NAME);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        String problem; // Kafka's own words, as every start would fail with them
        try {
            new BootstrapDirectory(logDir.toString()).read();
            return;
        } catch (Exception e) {
            problem = e.getMessage();
        }
        String size = size(file);
        boolean versionInLog = metadataLogHoldsVersion(logDir.resolve(METADATA_LOG));
        List<String> logs = BrokerStorage.logs(logDir).stream().filter(name -> !name.equals(METADATA_LOG)).toList();
        if (!versionInLog && !logs.isEmpty()) {
            throw new ConfigurationError(file + " cannot be read (" + size + ": " + problem + ") and the metadata "
                    + "log holds no metadata.version, while " + logDir + " holds logs (" + String.join(", ", logs)
                    + "): the broker is not started and nothing there is changed (a power loss soon after the first "
                    + "start can leave that file empty). To start on an empty broker (the alerts still waiting there "
                    + "and the listener's checkpoint are left behind: events since the last stop are lost without a "
                    + "gap record), move the log away: mv " + logDir + " " + logDir.resolveSibling(
                            logDir.getFileName() + ".lost"));
        }
        BootstrapMetadata bootstrap = formatsBootstrap(logDir, nodeId, controllerListenerName);
        try {
            new BootstrapDirectory(logDir.toString()).writeBinaryFile(bootstrap);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
        }
        PrivateFiles.force(file);
        PrivateFiles.force(logDir);
        log.warn("{} could not be read ({}: {}), as a power loss soon after the first start can leave it; written "
                + "again as the format writes it. Kafka reads it only for a metadata log without a metadata.version: "
                + "{}", file, size, problem, versionInLog ? "this one holds one, so the broker's features and data "
                + "are as they were" : "the broker has no metadata yet, so it starts as on its first start");
    }

    /** The bootstrap a format of {@code logDir} writes, computed by Kafka's formatter on the formatted directory. */
    private static BootstrapMetadata formatsBootstrap(Path logDir, int nodeId, String controllerListenerName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            // Formatted already and ignored as such: the formatter computes the bootstrap, then writes nothing.
            Formatter formatter = new Formatter()
                    .setPrintStream(print)
                    .setNodeId(nodeId)
                    .setClusterId(clusterId(logDir))
                    .setControllerListenerName(controllerListenerName)
                    .setMetadataLogDirectory(logDir.toString())
                    .setDirectories(List.of(logDir.toString()))
                    .setIgnoreFormatted(true);
            formatter.run();
            BootstrapMetadata bootstrap = formatter.bootstrapMetadata();
            if (bootstrap == null || bootstrap.metadataVersion() == null) {
                throw new IllegalStateException("Kafka's formatter gave no bootstrap metadata");
            }
            return bootstrap;
        } catch (Exception e) {
            throw new IllegalStateException("cannot compute the bootstrap metadata of " + logDir + ": "
                    + e.getMessage(), e);
        }
    }

    private static String clusterId(Path logDir) throws IOException {
        Properties meta = new Properties();
        try (Reader in = Files.newBufferedReader(logDir.resolve(BrokerStorage.META_PROPERTIES),
                StandardCharsets.UTF_8)) {
            meta.load(in);
        }
        String id = meta.getProperty("cluster.id");
        if (id == null) {
            throw new IOException(logDir.resolve(BrokerStorage.META_PROPERTIES) + " has no cluster.id");
        }
        return id;
    }

    /**
     * Whether the metadata log (its snapshots, then its segments) holds a metadata.version record: then a controller
     * takes the broker's features from it and never reads bootstrap.checkpoint. A file that cannot be read counts
     * as holding none.
     */
    static boolean metadataLogHoldsVersion(Path metadataLog) {
        if (!Files.isDirectory(metadataLog, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        List<Path> snapshots = new ArrayList<>();
        List<Path> segments = new ArrayList<>();
        try (Stream<Path> entries = Files.list(metadataLog)) {
            entries.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(f -> {
                String name = f.getFileName().toString();
                if (name.endsWith(".checkpoint")) {
                    snapshots.add(0, f); // the newest first: each holds the whole state
                } else if (name.endsWith(".log")) {
                    segments.add(f);
                }
            });
        } catch (IOException e) {
            log.debug("cannot list {}", metadataLog, e);
            return false;
        }
        List<Path> files = new ArrayList<>(snapshots);
        files.addAll(segments);
        MetadataRecordSerde serde = new MetadataRecordSerde();
        for (Path file : files) {
            FileRecords records = null;
            try {
                records = FileRecords.open(file.toFile(), false); // read only
                for (RecordBatch batch : records.batches()) {
                    if (batch.isControlBatch()) {
                        continue;
                    }
                    for (Record record : batch) {
                        ApiMessageAndVersion message = serde.read(new ByteBufferAccessor(record.value()),
                                record.valueSize());
                        if (message.message() instanceof FeatureLevelRecord feature
                                && feature.name().equals(MetadataVersion.FEATURE_NAME)) {
                            return true;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.debug("cannot read {}", file, e);
            } finally {
                closeQuietly(records);
            }
        }
        return false;
    }

    static void closeQuietly(FileRecords records) {
        if (records == null) {
            return;
        }
        try {
            records.closeHandlers(); // not close(): it flushes and trims, writes this read-only look must not make
        } catch (IOException e) {
            log.debug("closing {}", records.file(), e);
        }
    }

    private static String size(Path file) {
        try {
            long bytes = Files.size(file);
            return bytes == 0 ? "empty" : bytes + " bytes";
        } catch (IOException e) {
            return "size unknown";
        }
    }
}
