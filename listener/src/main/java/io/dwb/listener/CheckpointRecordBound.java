package io.dwb.listener;

import io.dwb.schemas.HeaderNames;
import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

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
    /** A checkpoint is {@code {"timeNano":…,"eventId":…}}, under 100 bytes. */
    static final int MAX_VALUE_BYTES = 4096;

    private final byte[] oversized = new byte[0]; // told apart by identity

    boolean oversized(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == oversized;
    }

    Deserializer<byte[]> keys() {
        return new Bounded() {
            @Override
            byte[] take(Headers headers, ByteBuffer data) {
                return data.remaining() > HeaderNames.MAX_HOST_BYTES ? dropHeaders(headers, null) : copy(headers, data);
            }
        };
    }

    Deserializer<byte[]> values() {
        return new Bounded() {
            @Override
            byte[] take(Headers headers, ByteBuffer data) {
                return data.remaining() > MAX_VALUE_BYTES ? dropHeaders(headers, oversized) : copy(headers, data);
            }
        };
    }

    /** The consumer hands over buffers, never arrays. */
    private abstract static class Bounded implements Deserializer<byte[]> {
        abstract byte[] take(Headers headers, ByteBuffer data);

        @Override
        public byte[] deserialize(String topic, byte[] data) {
            return data;
        }

        @Override
        public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
            return data == null ? null : take(headers, data);
        }
    }

    private static byte[] copy(Headers headers, ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return dropHeaders(headers, bytes);
    }

    private static byte[] dropHeaders(Headers headers, byte[] result) {
        try {
            for (Iterator<Header> it = headers.iterator(); it.hasNext(); ) {
                it.next();
                it.remove();
            }
        } catch (IllegalStateException e) {
            // read-only headers: they go with the record, once the lookup has passed it
        }
        return result;
    }
}
