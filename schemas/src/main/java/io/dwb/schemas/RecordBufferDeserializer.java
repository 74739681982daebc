package io.dwb.schemas;

import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A key or value deserializer that sees what the consumer hands over: a view of the record's decompressed buffer
 * and the record's headers, which are views of the same buffer until read. What the forwarder's poll budget and the
 * listener's checkpoint lookup bound their memory with: keep a copy, a marker, or nothing, and let go of the buffer.
 */
@FunctionalInterface
public interface RecordBufferDeserializer extends Deserializer<byte[]> {
    /** {@code data} is never null here (a null key or value stays null). */
    byte[] take(Headers headers, ByteBuffer data);

    @Override
    default byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
        return data == null ? null : take(headers, data);
    }

    /** Not called by the consumer, which hands over buffers. */
    @Override
    default byte[] deserialize(String topic, byte[] data) {
        return data;
    }

    /** The bytes of {@code data}, copied out of the record's buffer. */
    static byte[] copy(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.duplicate().get(bytes);
        return bytes;
    }

    /** Removes every header, so that none keeps the record's buffer alive; read-only headers are left as they are. */
    static void dropHeaders(Headers headers) {
        try {
            for (Iterator<Header> it = headers.iterator(); it.hasNext(); ) {
                it.next();
                it.remove();
            }
        } catch (IllegalStateException e) {
            // read-only: they go with the record, when its reader drops it
        }
    }
}
