package io.dwb.forwarder;

import io.dwb.schemas.RecordBufferDeserializer;
import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Bounds the bytes of records the forwarder holds, polls included. {@code max.poll.records} bounds a poll by count
 * only, and Kafka bounds a fetch by its compressed size: 1 MiB of lz4 batches of events with a megabyte label each
 * decompressed to hundreds of them in one poll, and the forwarder exited on OutOfMemoryError, at the same offset
 * after each restart (and so did each member of the group the partition moved to).
 *
 * <p>The consumer's key and value deserializers run on the loop's thread, record by record, as a poll is assembled.
 * Before each poll the loop {@link #open opens} an allowance (the bound less what it holds); a record that would
 * pass it is deferred: its key and value become markers, its headers are dropped (they are views of the record's
 * whole decompressed buffer), and so is every record after it in that poll. The loop seeks each partition back to
 * its first deferred record, which is fetched again once held records are delivered. The first record of a poll
 * while nothing is held is always taken, so a record larger than the bound still goes through, alone.
 *
 * <p>Once the bound is met, fetching waits until {@link #fetchBytes a fetch's worth} of it is free again ({@link
 * #full}), not just one record's room.
 */
final class PollBudget {
    /** What a record costs beyond its bytes (the record, its headers' objects, the deques' slots), estimated. */
    static final int RECORD_OVERHEAD_BYTES = 512;

    private final long maxBytes;
    private final byte[] deferredKey = new byte[0]; // told apart by identity: a real empty key is another array
    private final byte[] deferredValue = new byte[0];
    private long allowance;
    private boolean nothingHeld;
    private long admitted;
    /** {@link #admitted} before the record being read: zero for a poll's first record. */
    private long recordStart;
    /** The headers of the record whose key was read (and counted with them), or null. */
    private Headers counted;
    private boolean deferring;
    private boolean draining;

    PollBudget(long maxBytes) {
        this.maxBytes = maxBytes;
        open(0);
    }

    long maxBytes() {
        return maxBytes;
    }

    /**
     * The default {@code fetch.max.bytes} for {@code maxBytes}: a quarter of it, so that a whole fetch response fits
     * once fetching resumes after the bound was met (see Forwarder.fetchMaxBytes).
     */
    static long fetchBytes(long maxBytes) {
        return maxBytes / 4;
    }

    /**
     * After a round, with {@code heldBytes} held and whether its poll {@code deferred} a record: whether fetching
     * waits. From the bound met (reached, or a record deferred for want of room) until held records are down to
     * the bound less {@link #fetchBytes}. Resumed as soon as one record's room was free, a paced forwarder holding a
     * backlog fetched a response for each alert it sent, took a record of it and paused again: at 50 alerts/s,
     * 34 MB/s of fetch buffers and a full collection every half second.
     */
    boolean full(long heldBytes, boolean deferred) {
        draining = heldBytes > maxBytes - fetchBytes(maxBytes) && (draining || deferred || heldBytes >= maxBytes);
        return draining;
    }

    /** Before a poll: {@code heldBytes} are held (by {@link #size}), so the poll may bring the rest of the bound. */
    void open(long heldBytes) {
        allowance = maxBytes - heldBytes;
        nothingHeld = heldBytes <= 0;
        admitted = 0;
        recordStart = 0;
        counted = null;
        deferring = false;
    }

    /** Whether this polled record was deferred: it is not the record, and it comes again after a seek. */
    boolean deferred(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == deferredValue || record.key() == deferredKey;
    }

    /** The bytes a held record counts for: its key, value and headers, plus {@link #RECORD_OVERHEAD_BYTES}. */
    static long size(ConsumerRecord<byte[], byte[]> record) {
        return RECORD_OVERHEAD_BYTES + Math.max(0, record.serializedKeySize())
                + Math.max(0, record.serializedValueSize()) + headerBytes(record.headers());
    }

    /** The consumer reads a record's key (when it has one) before its value, with the same headers object. */
    RecordBufferDeserializer keys() {
        return (headers, data) -> take(headers, data, true);
    }

    RecordBufferDeserializer values() {
        return (headers, data) -> take(headers, data, false);
    }

    private byte[] take(Headers headers, ByteBuffer data, boolean key) {
        boolean newRecord = key || headers != counted;
        counted = key ? headers : null;
        if (newRecord) {
            recordStart = admitted;
        }
        if (deferring) {
            return defer(headers, key);
        }
        // Reading the headers' bytes copies each out of the record's buffer.
        long size = data.remaining() + (newRecord ? RECORD_OVERHEAD_BYTES + headerBytes(headers) : 0);
        if (admitted + size > allowance && !(recordStart == 0 && nothingHeld)) {
            return defer(headers, key);
        }
        admitted += size;
        return RecordBufferDeserializer.copy(data);
    }

    private byte[] defer(Headers headers, boolean key) {
        deferring = true;
        RecordBufferDeserializer.dropHeaders(headers);
        return key ? deferredKey : deferredValue;
    }

    private static long headerBytes(Headers headers) {
        long n = 0;
        for (Header h : headers) {
            byte[] value = h.value();
            n += h.key().length() + (value == null ? 0 : value.length);
        }
        return n;
    }
}
