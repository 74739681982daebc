package io.dwb.listener;

import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordBufferDeserializer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The checkpoint lookup's deserializers: they keep only what a checkpoint can be. A poll hands out up to
 * {@code max.poll.records} (500) records of the host's partition at once, each decompressed whole; records of a few
 * megabytes each, written by any principal that may write the topic, took the listener's 64 MB heap at its start,
 * and so every listener whose checkpoint shares the partition, at every restart. A key longer than a host id can be
 * comes out null (no host's), a value longer than {@link #MAX_VALUE_BYTES} as a marker that {@link #oversized} tells
 * apart (the lookup reports it as a value that is not a checkpoint), and every record's headers are dropped: they
 * are views of the record's whole decompressed buffer, and the lookup reads none.
 */
final class CheckpointRecordBound {
    /** A checkpoint is {@code {"timeNano":…,"eventId":…,"recent":…}}, under 2.6 KB with its 128 recent ids. */
    static final int MAX_VALUE_BYTES = 4096;

    private final byte[] oversized = new byte[0]; // told apart by identity

    boolean oversized(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == oversized;
    }

    RecordBufferDeserializer keys() {
        return (headers, data) -> {
            RecordBufferDeserializer.dropHeaders(headers);
            return data.remaining() > HeaderNames.MAX_HOST_BYTES ? null : RecordBufferDeserializer.copy(data);
        };
    }

    RecordBufferDeserializer values() {
        return (headers, data) -> {
            RecordBufferDeserializer.dropHeaders(headers);
            return data.remaining() > MAX_VALUE_BYTES ? oversized : RecordBufferDeserializer.copy(data);
        };
    }
}
