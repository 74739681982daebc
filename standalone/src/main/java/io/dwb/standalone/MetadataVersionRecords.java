package io.dwb.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.metadata.FeatureLevelRecord;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.metadata.MetadataRecordSerde;
import org.apache.kafka.server.common.ApiMessageAndVersion;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata.version feature levels (FeatureLevelRecords) in Kafka's record files: bootstrap.checkpoint, the
 * metadata log's snapshots and segments. Read raw, as numbers: a newer Kafka's level is one {@link MetadataVersion}
 * cannot represent. Read only. A batch that fails its CRC ends the reading of its file (damage is no level); a record
 * that cannot be decoded (a type or version only a newer Kafka knows) is skipped.
 */
final class MetadataVersionRecords {
    private static final Logger log = LoggerFactory.getLogger(MetadataVersionRecords.class);
    private static final String SNAPSHOT_SUFFIX = ".checkpoint";
    private static final String SEGMENT_SUFFIX = ".log";

    /** A metadata.version feature level and the file holding it. */
    record Level(Path file, short level) {}

    private MetadataVersionRecords() {}

    /** The levels in {@code file} (bootstrap.checkpoint), in order; none when it is missing or unreadable. */
    static List<Level> in(Path file) {
        return in(file, 0);
    }

    /**
     * The levels a controller replays from the metadata log {@code metadataLog} as it starts: those of its newest
     * snapshot, then those of its segments' records from that snapshot's end offset on (older ones are what the
     * snapshot holds already); none without a log.
     */
    static List<Level> replayed(Path metadataLog) {
        if (!Files.isDirectory(metadataLog, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Path snapshot = null;
        long snapshotEnd = 0;
        List<Path> segments = new ArrayList<>();
        try (Stream<Path> entries = Files.list(metadataLog)) {
            // Names are zero-padded offsets, so their order is the offsets' order.
            for (Path file : entries.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(SEGMENT_SUFFIX)) {
                    segments.add(file);
                } else if (name.endsWith(SNAPSHOT_SUFFIX) && snapshotEndOffset(name) >= snapshotEnd) {
                    snapshot = file;
                    snapshotEnd = snapshotEndOffset(name);
                }
            }
        } catch (IOException e) {
            log.debug("cannot list {}", metadataLog, e);
            return List.of();
        }
        List<Level> levels = new ArrayList<>();
        if (snapshot != null) {
            levels.addAll(in(snapshot, 0));
        }
        for (Path segment : segments) {
            levels.addAll(in(segment, snapshotEnd));
        }
        return levels;
    }

    /** Kafka names a snapshot {@code <end offset>-<epoch>.checkpoint}; -1 for a name not so made (Kafka skips it). */
    private static long snapshotEndOffset(String name) {
        int dash = name.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(name.substring(0, dash)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static List<Level> in(Path file, long fromOffset) {
        List<Level> levels = new ArrayList<>();
        MetadataRecordSerde serde = new MetadataRecordSerde();
        FileRecords records = null;
        try {
            records = FileRecords.open(file.toFile(), false); // read only
            for (RecordBatch batch : records.batches()) {
                if (batch.isControlBatch() || batch.lastOffset() < fromOffset) {
                    continue;
                }
                batch.ensureValid(); // garbled bytes could decode as any level
                for (Record record : batch) {
                    if (record.offset() < fromOffset || !record.hasValue()) {
                        continue;
                    }
                    try {
                        ApiMessageAndVersion message = serde.read(new ByteBufferAccessor(record.value()),
                                record.valueSize());
                        if (message.message() instanceof FeatureLevelRecord feature
                                && feature.name().equals(MetadataVersion.FEATURE_NAME)) {
                            levels.add(new Level(file, feature.featureLevel()));
                        }
                    } catch (RuntimeException e) {
                        log.debug("skipped a record of {} at offset {}", file, record.offset(), e);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("cannot read {}", file, e);
        } finally {
            BootstrapCheckpoint.closeQuietly(records);
        }
        return levels;
    }
}
