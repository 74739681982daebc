package io.dwb.bench;

import io.dwb.schemas.EventId;
import io.dwb.schemas.HeaderNames;
import io.dwb.schemas.RecordKind;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Event records as the listener publishes them (topic contract: key host id, the four headers, CreateTime =
 * timeNano in ms), for pre-filling the delivery topic and for the raw producer baseline.
 */
public final class ContractRecords {
    private final String topic;
    private final String hostName;
    private final String hostId;
    private final byte[] key;
    private final EventShapes shapes;

    public ContractRecords(String topic, String hostName, String hostId, EventShapes shapes) {
        this.topic = topic;
        this.hostName = hostName;
        this.hostId = hostId;
        this.key = HeaderNames.utf8(hostId);
        this.shapes = shapes;
    }

    public ProducerRecord<byte[], byte[]> record(int index) {
        long t = shapes.timeNano(index);
        String[] id = shapes.identity(index);
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(HeaderNames.HOST, HeaderNames.utf8(hostName)));
        headers.add(new RecordHeader(HeaderNames.HOST_ID, key));
        headers.add(new RecordHeader(HeaderNames.KIND, HeaderNames.utf8(RecordKind.EVENT.header())));
        headers.add(new RecordHeader(HeaderNames.EVENT_ID,
                HeaderNames.utf8(EventId.of(hostId, String.valueOf(t), id[0], id[1], id[2]))));
        return new ProducerRecord<>(topic, null, t / 1_000_000L, key, shapes.event(index), headers);
    }
}
