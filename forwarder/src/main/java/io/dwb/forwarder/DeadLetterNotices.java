package io.dwb.forwarder;

import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What Wazuh is told of the records written to the dead-letter topic: a dead letter never reaches it, and a listener's
 * {@code gap} dead-lettered (a listener newer than the forwarders: {@code newer-contract}) was the one word that events
 * were lost, said nowhere but the forwarder's log and metrics. One {@code records-dead-lettered} alert for each
 * partition, reason and record kind, at the first letter, then at most one a {@link #EVERY_NANOS} while letters come,
 * counting those written since the one before: a writer of invalid records at the topic's rate makes one alert a
 * minute, not one a record. Letters are counted as their writing is acknowledged, on the delivery thread or the
 * sending thread; the delivery loop takes what is due once a second. Thread-safe.
 */
final class DeadLetterNotices {
    /** The least time between two alerts of the same partition, reason and record kind. */
    static final long EVERY_NANOS = 60_000_000_000L;
    /**
     * Keys kept at most: beyond them, a gap's letters count with those of its partition's other hosts. A gap is said
     * for its own host (each names a host whose events may be lost), and a writer of forged host ids could otherwise
     * make a key for each.
     */
    static final int MAX_KEYS = 4_096;

    /** What one alert says: the letters of one partition, reason, record kind (and host, a gap's) since the last. */
    record Notice(String topic, int partition, DeadLetterReason reason, String recordKind, long firstOffset,
                  HostRef host, long records) {}

    /** @param host a gap's host ({@link HostRef#key()}); null for any other kind's letters */
    private record Key(String topic, int partition, DeadLetterReason reason, String recordKind, String host) {}

    /** A key's letters not said yet (the first's offset and host), and when it was last said. */
    private static final class Pending {
        long unsaid;
        long firstOffset;
        HostRef host;
        boolean said;
        long saidAtNanos;
    }

    private final Map<Key, Pending> pending = new LinkedHashMap<>();

    /** {@code record}'s letter, for {@code reason}, is written. */
    synchronized void written(ConsumerRecord<byte[], byte[]> record, DeadLetterReason reason) {
        String kind = kind(record);
        HostRef host = reason == DeadLetterReason.INVALID_HOST || reason == DeadLetterReason.HOST_MISMATCH
                ? HostRef.UNKNOWN : host(record);
        Key key = new Key(record.topic(), record.partition(), reason, kind,
                kind.equals(RecordKind.GAP.header()) ? host.key() : null);
        if (!pending.containsKey(key) && pending.size() >= MAX_KEYS) {
            key = new Key(key.topic(), key.partition(), reason, kind, null);
        }
        Pending p = pending.computeIfAbsent(key, k -> new Pending());
        if (p.unsaid++ == 0) {
            p.firstOffset = record.offset();
            // The gaps past the bound are of many hosts: none of them named for all
            p.host = key.host() == null && kind.equals(RecordKind.GAP.header()) ? HostRef.UNKNOWN : host;
        }
    }

    /**
     * The alerts due at {@code nowNanos}, oldest key first: each key with letters not said whose last alert is
     * {@link #EVERY_NANOS} old, or that has none; {@code all}: every key with letters not said, whatever the minute (a
     * stop's). A key with nothing to say for a minute is forgotten.
     */
    synchronized List<Notice> due(long nowNanos, boolean all) {
        List<Notice> due = new ArrayList<>();
        for (Iterator<Map.Entry<Key, Pending>> it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Pending> entry = it.next();
            Pending p = entry.getValue();
            boolean quietLongEnough = all || !p.said || nowNanos - p.saidAtNanos >= EVERY_NANOS;
            if (!quietLongEnough) {
                continue;
            }
            if (p.unsaid == 0) {
                it.remove();
                continue;
            }
            Key key = entry.getKey();
            due.add(new Notice(key.topic(), key.partition(), key.reason(), key.recordKind(), p.firstOffset, p.host,
                    p.unsaid));
            p.unsaid = 0;
            p.host = null;
            p.said = true;
            p.saidAtNanos = nowNanos;
        }
        return due;
    }

    /** The record's {@code kind} header as the contract names it: no header is an event's, an unknown one "unknown". */
    private static String kind(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(HeaderNames.KIND);
        if (header == null) {
            return RecordKind.EVENT.header();
        }
        Optional<RecordKind> kind = header.value() == null ? Optional.empty()
                : RecordKind.fromHeader(new String(header.value(), StandardCharsets.UTF_8));
        return kind.map(RecordKind::header).orElse("unknown");
    }

    /** The host its headers name, when they name one no longer than any host's name or id. */
    private static HostRef host(ConsumerRecord<byte[], byte[]> record) {
        String name = header(record, HeaderNames.HOST);
        String id = header(record, HeaderNames.HOST_ID);
        return new HostRef(name, id);
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        if (header == null || header.value() == null || header.value().length > HeaderNames.MAX_HOST_BYTES
                || !Utf8.valid(header.value())) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
