package io.dwb.forwarder;

import io.dwb.schemas.HeaderNames;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The {@link HostRef} of a record: header {@code host}, header {@code host-id}, or else the record key (the
 * contract's key is the host id). A partition holds one engine's records, so consecutive records almost always name
 * the same host: the previous {@code HostRef} is reused when the bytes are the same, which spares decoding two
 * strings per record and lets the formatter keep the host's encoded JSON. Not thread-safe (one per classifier).
 */
final class HostRefs {
    private byte[] lastName;
    private byte[] lastId;
    private byte[] lastKey;
    private HostRef last;

    HostRef of(ConsumerRecord<byte[], byte[]> record) {
        Headers headers = record.headers();
        byte[] name = value(headers.lastHeader(HeaderNames.HOST));
        byte[] id = value(headers.lastHeader(HeaderNames.HOST_ID));
        // The key counts only when there is no host-id header.
        byte[] key = id == null ? record.key() : null;
        if (last != null && Arrays.equals(name, lastName) && Arrays.equals(id, lastId) && Arrays.equals(key, lastKey)) {
            return last;
        }
        String idText = id != null ? utf8(id) : null;
        if (idText == null && key != null && key.length > 0 && Utf8.valid(key)) {
            idText = utf8(key);
        }
        last = new HostRef(name == null ? null : utf8(name), idText);
        lastName = name == null ? null : name.clone();
        lastId = id == null ? null : id.clone();
        lastKey = key == null ? null : key.clone();
        return last;
    }

    private static byte[] value(Header header) {
        return header == null ? null : header.value();
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
